"""No Docker engine runs here, so the deployment files are validated instead of run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if not found:
        pytest.fail(f"{name} is not installed (.ci/run installs it)")
    return found


def test_dockerfile_passes_hadolint():
    result = subprocess.run(
        [_tool("hadolint"), str(ROOT / "docker" / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_as_non_root_with_gunicorn_and_collectstatic():
    text = (ROOT / "docker" / "Dockerfile").read_text()
    assert (
        "USER 10001" in text
        and "gunicorn" in text
        and "collectstatic" in text
        and "HEALTHCHECK" in text
    )


def test_compose_file_is_valid_and_has_every_service(tmp_path):
    shutil.copytree(ROOT / "docker", tmp_path / "docker")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    compose = [_tool("docker-compose"), "-f", str(tmp_path / "docker" / "compose.yaml"), "config"]

    def config(*args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "POSTGRES_PASSWORD": "ci-only"}
        return subprocess.run(
            [*compose, *args], capture_output=True, text=True, env=env, timeout=60
        )

    check = config("-q")
    assert check.returncode == 0, check.stderr
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(
        config("--services").stdout.split()
    )
    assert "/healthz" in config().stdout


def test_env_example_documents_every_setting_read_from_the_environment():
    settings_text = (ROOT / "console" / "settings.py").read_text()
    import re

    names = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_text))
    names |= set(re.findall(r'environ\.Env\(\)\.\w+\("([A-Z_]+)"', settings_text))
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert names, "no settings found: the pattern is stale"
    assert names - documented == set()

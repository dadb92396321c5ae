"""The strict TypeScript clients: ``npm ci`` the pinned ``@openrouter/sdk`` and ``openai``
packages, then ``node --test`` against the suite's sandbox server (see ``node/``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).parent / "node"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        # Nothing may pass by not running: a missing tool is a failure, as a missing Chromium is.
        pytest.fail(f"{name} is not installed (.ci/run installs Debian's nodejs and npm)")
    return path


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=NODE_DIR, capture_output=True, text=True, timeout=600, check=False, **kwargs
    )


def test_typescript_clients_pass_their_node_tests(sandbox):
    node, npm = _tool("node"), _tool("npm")
    lock = NODE_DIR / "package-lock.json"
    stamp = NODE_DIR / "node_modules" / ".package-lock.json"
    if not stamp.exists() or stamp.stat().st_mtime < lock.stat().st_mtime:
        installed = _run([npm, "ci", "--no-audit", "--no-fund", "--prefer-offline"])
        assert installed.returncode == 0, f"npm ci failed:\n{installed.stdout}\n{installed.stderr}"
    env = {
        **os.environ,
        "SANDBOX_BASE_URL": sandbox.base_url,
        "SANDBOX_KEY": sandbox.key,
        "SANDBOX_MANAGEMENT_KEY": sandbox.management_key,
        "SANDBOX_POOR_KEY": sandbox.spent_key(),
    }
    result = _run([node, "--test", "--test-reporter=spec", "sandbox.test.js"], env=env)
    assert result.returncode == 0, f"node --test failed:\n{result.stdout}\n{result.stderr}"

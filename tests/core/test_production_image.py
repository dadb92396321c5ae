"""The production image's build and run steps that can run without Docker, run for real.

With the Dockerfile's environment (``DEBUG=false``, manifest static storage): collectstatic,
then migrate a temporary SQLite database and serve it with gunicorn on a free port, and ask
it for ``/healthz`` the way the image's HEALTHCHECK does, and for the sign-in page the way a
browser behind the TLS proxy does.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# What the test sets, and nothing from the calling environment that could change the result.
_DROPPED = {
    "DEBUG",
    "FIELD_ENCRYPTION_KEYS",
    "SECRET_KEY",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DATABASE_URL",
    "SANDBOX_DATABASE_URL",
    "CELERY_BROKER_URL",
    "CACHE_URL",
    "ALLOWED_HOSTS",
    "STATIC_ROOT",
    "DATA_DIR",
}


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> dict:
    """The environment of the image: production settings, its own data and static folders."""
    where = tmp_path_factory.mktemp("image")
    base = {k: v for k, v in os.environ.items() if k not in _DROPPED}
    return {
        **base,
        "DEBUG": "false",
        "SECRET_KEY": "image-" + "q8Zr3LmW9vT4yX8wK1pN5sD3fH6jB0cV" * 2,
        "FIELD_ENCRYPTION_KEYS": "ZGV2ZWxvcG1lbnQtb25seS1maWVsZC1rZXktMDAwMDA=",
        "ALLOWED_HOSTS": "console.example.com",
        "SANDBOX_ENABLED": "false",
        "OPENROUTER_BASE_URL": "https://openrouter.ai/api/v1",
        "DATA_DIR": str(where / "data"),
        "STATIC_ROOT": str(where / "static"),
        "DATABASE_URL": f"sqlite:///{where / 'console.sqlite3'}",
    }


def _manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def collected(production) -> dict:
    result = _manage(production, "collectstatic", "--noinput")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return production


def test_collectstatic_succeeds_with_the_production_manifest_storage(collected):
    manifest = Path(collected["STATIC_ROOT"]) / "staticfiles.json"
    assert manifest.is_file()
    # Hashed names of the vendored scripts exist, so {% static %} resolves them in production.
    text = manifest.read_text()
    assert "vendor/chartjs/chart.umd.min.js" in text and "console/app.js" in text


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to look at, not to follow


_opener = urllib.request.build_opener(_NoRedirects)


def _get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback only
    try:
        with _opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture(scope="module")
def gunicorn(collected):
    migrated = _manage(collected, "migrate", "--noinput", "-v0")
    assert migrated.returncode == 0, migrated.stderr[-4000:]
    port = _free_port()
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "console.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--forwarded-allow-ips",
            "127.0.0.1",
        ],
        cwd=ROOT,
        env=collected,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("gunicorn did not start:\n" + (process.stdout.read() or ""))
            time.sleep(0.2)
    yield base
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def test_gunicorn_answers_the_image_healthcheck_by_loopback_address(gunicorn):
    # The HEALTHCHECK asks http://127.0.0.1:8000/healthz: not an allowed host, and plain http.
    status, _headers, body = _get(f"{gunicorn}/healthz")
    assert status == 200, body[:500]
    assert b'"database": {"ok": true}' in body


def test_gunicorn_serves_the_sign_in_page_with_hashed_static_files(gunicorn):
    proxied = {"Host": "console.example.com", "X-Forwarded-Proto": "https"}
    status, headers, body = _get(f"{gunicorn}/accounts/login/", proxied)
    assert status == 200, body[:2000]
    assert b"/static/console/app." in body and b".js" in body
    assert "Strict-Transport-Security" in headers
    plain_status, plain_headers, _ = _get(
        f"{gunicorn}/accounts/login/", {"Host": "console.example.com"}
    )
    assert plain_status == 301 and plain_headers["Location"].startswith("https://")

"""A real OpenID provider for the SSO tests: ``provider.mjs`` (panva's oidc-provider) on a
free loopback port, with one client and one user.

The fixture runs ``npm ci`` here when ``node_modules`` is missing (a fresh clone, CI), and
fails with a clear message, never skips, when Node or the package cannot be had.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

HERE = Path(__file__).resolve().parent
CALLBACK_PATH = "/accounts/oidc/sso/login/callback/"


@dataclass(frozen=True)
class OidcProvider:
    url: str
    client_id: str
    client_secret: str
    email: str
    password: str

    def console_settings(self, name: str = "Test IdP") -> dict:
        """``SOCIALACCOUNT_PROVIDERS`` as console/settings.py builds it from SSO_OIDC_*."""
        return {
            "openid_connect": {
                "OAUTH_PKCE_ENABLED": True,
                "APPS": [
                    {
                        "provider_id": "sso",
                        "name": name,
                        "client_id": self.client_id,
                        "secret": self.client_secret,
                        "settings": {"server_url": self.url},
                    }
                ],
            }
        }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ensure_packages(node: str) -> None:
    if (HERE / "node_modules" / "oidc-provider" / "package.json").exists():
        return
    npm = shutil.which("npm") or str(Path(node).with_name("npm"))
    if not Path(npm).exists():
        pytest.fail(f"npm is missing (needed once to install {HERE}/package-lock.json).")
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"npm ci in {HERE} failed:\n{result.stdout}\n{result.stderr}")


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            "Node.js is missing: the SSO tests run a real OpenID provider on it (node 20+)."
        )
    _ensure_packages(node)
    port = _free_port()
    provider = OidcProvider(
        url=f"http://127.0.0.1:{port}",
        client_id="openrouter-console",
        client_secret="test-only-client-secret-0123456789",
        email="sam@sso.example",
        password="idp-password-1",
    )
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENT_ID": provider.client_id,
        "OIDC_CLIENT_SECRET": provider.client_secret,
        "OIDC_CALLBACK_PATH": CALLBACK_PATH,
        "OIDC_USER_EMAIL": provider.email,
        "OIDC_USER_PASSWORD": provider.password,
    }
    log_path = tmp_path_factory.mktemp("oidc") / "provider.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [node, str(HERE / "provider.mjs")], cwd=HERE, env=env, stdout=log, stderr=log
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                pytest.fail(f"the OpenID provider exited:\n{log_path.read_text()}")
            try:
                if httpx.get(f"{provider.url}/.well-known/openid-configuration").is_success:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the OpenID provider did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def sso(oidc_provider, settings):
    """The console configured for the test provider, as SSO_OIDC_* would configure it."""
    settings.SOCIALACCOUNT_PROVIDERS = oidc_provider.console_settings()
    return oidc_provider

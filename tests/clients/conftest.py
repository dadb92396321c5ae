"""One real sandbox server for the whole client-compatibility suite.

``manage.py runsandbox`` runs in a subprocess on a free loopback port, against SQLite files
of its own (a temporary ``DATA_DIR``), so the suite does not share the test databases and
the third-party clients talk to it over a real socket, as they would to openrouter.ai.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from apps.sandbox.seed import management_secret

# litellm fetches its model-price map at import unless told to use the copy it ships.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_ID = "org_clients00000000000000000001"
SEED = 7


@dataclass(frozen=True)
class Sandbox:
    port: int
    management_key: str
    key: str  # an ordinary inference key of the seeded account's default workspace

    @property
    def base_url(self) -> str:
        """What OpenAI-style clients take (``https://openrouter.ai/api/v1`` upstream)."""
        return f"http://127.0.0.1:{self.port}/api/v1"

    @property
    def anthropic_base_url(self) -> str:
        """The Anthropic SDK appends ``/v1/messages`` (``https://openrouter.ai/api`` upstream)."""
        return f"http://127.0.0.1:{self.port}/api"

    def http(self, secret: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {secret or self.key}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)

    def new_key(self, **body) -> str:
        """A fresh ordinary key (e.g. ``limit=1e-7`` for a 402)."""
        with self.http(self.management_key) as client:
            response = client.post("/keys", json={"name": "client-suite", **body})
        response.raise_for_status()
        return response.json()["key"]

    def spent_key(self) -> str:
        """A key whose tiny limit one call has used up: the next call gets a 402.

        (Upstream refuses once spend has reached a limit, not on an estimate of the call.)
        """
        secret = self.new_key(limit=1e-7)
        with self.http(secret) as client:
            first = client.post(
                "/chat/completions",
                json={
                    "model": "openai/gpt-4o-mini",
                    "messages": [{"role": "user", "content": "hi"}],
                },
            )
        first.raise_for_status()
        return secret

    def generation(self, generation_id: str) -> httpx.Response:
        with self.http() as client:
            return client.get("/generation", params={"id": generation_id})


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"runsandbox exited early:\n{log.read_text()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"runsandbox did not answer within 60 s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory) -> Sandbox:
    data = tmp_path_factory.mktemp("sandbox-server")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "SANDBOX_DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL")
    }
    env.update(
        DEBUG="true",
        SANDBOX_ENABLED="true",
        DATA_DIR=str(data),
        DATABASE_URL=f"sqlite:///{data / 'console.sqlite3'}",
        CACHE_URL="locmemcache://client-suite",
        PYTHONUNBUFFERED="1",
    )
    _manage(env, "migrate", "--database", "sandbox", "--noinput", "-v0")
    _manage(
        env,
        *("sandbox_seed", "--account", ACCOUNT_ID, "--seed", str(SEED)),
        *("--keys", "2", "--days", "2", "--workspaces", "1", "--credits", "1000"),
    )
    port = _free_port()
    log = data / "runsandbox.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runsandbox", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/api/v1/models/count", process, log)
        server = Sandbox(port, management_secret(ACCOUNT_ID, SEED), key="")
        server = Sandbox(port, server.management_key, key=server.new_key())
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()

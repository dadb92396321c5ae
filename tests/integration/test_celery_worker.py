"""A real Celery worker process, on a real Redis broker, runs a task that calls the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connections

from apps.accounts.models import ConnectionStatus, Organisation
from apps.syncs.models import SyncRun

# One xdist worker runs every worker test: they share the test broker (Redis database 15).
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("celery-worker"),
]

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def database_url(alias: str) -> str:
    """The URL of the test database behind ``alias``, for another process to open."""
    s = connections[alias].settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    auth = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else "")
    host = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{s['NAME']}"


@pytest.fixture
def worker():
    queue = f"itest-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": database_url("default"),
        "SANDBOX_DATABASE_URL": database_url("sandbox"),
        "CELERY_BROKER_URL": REDIS_URL,
        "OPENROUTER_TRANSPORT": "http",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "console",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    threading.Thread(target=lambda: output.extend(process.stdout), daemon=True).start()
    # The Redis transport drops messages for a queue nobody has bound yet: wait until ready.
    deadline = time.monotonic() + 120  # a cold worker start on a busy 2-core machine is slow
    while not any("ready." in line for line in output):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("the worker did not start:\n" + "".join(output))
        time.sleep(0.2)
    yield queue, process, output
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def test_worker_process_checks_the_connection_against_the_sandbox(
    live_server, organisation, worker, sender
):
    queue, process, output = worker
    Organisation.objects.filter(pk=organisation.pk).update(
        base_url=f"{live_server.url}/sandbox/api/v1"
    )
    sender.send_task(
        "apps.syncs.tasks.sync_stream", args=[organisation.pk, "connection"], queue=queue
    )

    deadline = time.monotonic() + 60
    status = None
    while time.monotonic() < deadline:
        status = ConnectionStatus.objects.get(organisation=organisation)
        if status.checked_at is not None:
            break
        if process.poll() is not None:
            pytest.fail("the worker exited early:\n" + "".join(output))
        time.sleep(0.5)
    if status is None or status.checked_at is None:
        pytest.fail("the worker never ran the task; its output:\n" + "".join(output))
    assert status.ok, status.message
    assert status.key_is_management and status.key_label.startswith("sk-or-v1-")
    run = SyncRun.objects.get(organisation=organisation, stream="connection")
    assert run.outcome == "ok" and run.calls == 1

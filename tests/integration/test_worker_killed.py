"""A real Celery worker on Redis, killed with SIGKILL in the middle of a keys sync.

The sandbox answers slowly (``latency_ms``) so the kill lands mid-pass, after a checkpoint.
Beat (a real process too) takes the stream over once the dead run's lease ends, another
worker runs it to the end from the checkpoint, and the mirror holds exactly upstream's keys:
nothing lost, nothing doubled. The lease is shortened to 10 s here (60 s by default).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from apps.accounts.models import Organisation
from apps.keys.models import Key, KeyUsageSnapshot
from apps.sandbox.models import Account, ApiKey
from apps.syncs.models import SyncRun, SyncState
from apps.syncs.registry import streams
from tests.integration.test_celery_worker import REDIS_URL, database_url

# One xdist worker runs every worker test: they share the test broker (Redis database 15).
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("celery-worker"),
]

ROOT = Path(__file__).resolve().parents[2]
LEASE = 10


class Celeries:
    """Worker and beat processes with one environment; all stopped at the end."""

    def __init__(self, env: dict) -> None:
        self.env = env
        self.processes: list[tuple[subprocess.Popen, list[str]]] = []

    def start(self, *args: str, ready: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "console", *args, "--loglevel=INFO"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        output: list[str] = []
        threading.Thread(target=lambda: output.extend(process.stdout), daemon=True).start()
        self.processes.append((process, output))
        deadline = time.monotonic() + 120  # a cold start on a busy 2-core machine is slow
        while not any(ready in line for line in output):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"celery {args[0]} did not start:\n" + "".join(output))
            time.sleep(0.2)
        return process

    def output(self) -> str:
        """The tail of each log, after every line about a sync run (the ones that matter)."""
        syncs = [line for _p, out in self.processes for line in out if "sync_stream" in line]
        tails = "\n".join("".join(out)[-3000:] for _process, out in self.processes)
        return "".join(syncs) + "\n" + tails

    def stop(self) -> None:
        for process, _output in self.processes:
            if process.poll() is None:
                process.terminate()
        for process, _output in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def celeries(tmp_path):
    queue = f"itest-kill-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": database_url("default"),
        "SANDBOX_DATABASE_URL": database_url("sandbox"),
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "OPENROUTER_TRANSPORT": "http",
        "SYNC_LOCK_TTL": str(LEASE),
        "DATA_DIR": str(tmp_path),  # beat's schedule file
    }
    group = Celeries(env)
    yield group, queue
    group.stop()


def _wait(condition, timeout: float, what: str, group: Celeries):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    runs = list(SyncRun.objects.values("stream", "outcome", "trigger", "error"))
    states = list(
        SyncState.objects.filter(stream="keys").values("lock_token", "cursor", "last_error")
    )
    pytest.fail(
        f"{what} did not happen within {timeout:.0f} s; runs {runs}, keys state {states};"
        f" celery said:\n{group.output()}"
    )


def test_a_sync_killed_mid_pass_is_taken_over_within_a_minute_and_loses_nothing(
    live_server, organisation, sandbox_account, celeries, sender, capsys
):
    group, queue = celeries
    account, _secret = sandbox_account
    Organisation.objects.filter(pk=organisation.pk).update(
        base_url=f"{live_server.url}/sandbox/api/v1"
    )
    # Only the keys stream is in play: every other stream is not due for a day.
    later = timezone.now() + timedelta(days=1)
    for stream in streams():
        SyncState.objects.create(organisation=organisation, stream=stream.name, next_run_at=later)
    Account.objects.filter(pk=account.pk).update(fault="latency_ms=1500")

    group.start("worker", "--pool=solo", "--without-gossip", "--without-mingle",
                ready="ready.")  # fmt: skip
    group.start("worker", "--pool=solo", "--without-gossip", "--without-mingle", "-n",
                f"second-{queue}@%h", ready="ready.")  # fmt: skip
    group.start("beat", ready="beat: Starting")
    sender.send_task(
        "apps.syncs.tasks.sync_stream", args=[organisation.pk, "keys", "manual"], queue=queue
    )

    def mid_pass():
        state = SyncState.objects.get(organisation=organisation, stream="keys")
        return state.lock_token and state.cursor.get("workspace", 0) >= 1

    _wait(mid_pass, 90, "a checkpoint of the first run", group)
    dead = SyncRun.objects.get(organisation=organisation, stream="keys", outcome="running")
    # Either worker may have taken the run: kill the one whose log says it received it.
    running = next(
        process
        for process, output in group.processes
        if any("sync_stream" in line and "received" in line for line in output)
    )
    os.kill(running.pid, signal.SIGKILL)
    killed_at = timezone.now()
    running.wait(timeout=10)
    Account.objects.filter(pk=account.pk).update(fault="")  # upstream recovers meanwhile

    def finished():
        return (
            SyncRun.objects.filter(organisation=organisation, stream="keys", outcome="ok")
            .exclude(pk=dead.pk)
            .first()
        )

    taken_over = _wait(finished, 90, "the takeover run", group)
    delay = (taken_over.started_at - killed_at).total_seconds()
    with capsys.disabled():
        print(f"\n[worker] SIGKILL mid-pass: taken over {delay:.1f} s later (lease {LEASE} s)")
    assert delay < 60
    assert taken_over.trigger == "schedule"  # the beat's dispatcher queued it
    dead.refresh_from_db()
    assert dead.outcome == "abandoned"

    upstream = set(
        ApiKey.objects.filter(
            account=account, deleted_at__isnull=True, is_management=False
        ).values_list("hash", flat=True)
    )
    mirror = list(Key.objects.filter(organisation=organisation).values_list("hash", flat=True))
    assert len(mirror) == len(set(mirror)) == len(upstream)  # nothing doubled
    assert set(mirror) == upstream  # nothing lost
    snapshots = KeyUsageSnapshot.objects.filter(organisation=organisation)
    assert snapshots.count() == len(upstream)  # one per key for the day

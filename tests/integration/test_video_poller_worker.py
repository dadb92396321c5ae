"""Real Celery worker processes poll video jobs; one is killed with SIGKILL mid-poll.

The test process plays beat (``videos_dispatch`` every half second, sending ``video_poll``
to the workers' queue on Redis); the sandbox answers over HTTP from ``live_server`` with a
delay on every call, so the kill lands while a poll is in flight. A second worker then
takes over: every job completes, each status is recorded once, none is lost.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal

import pytest

from apps.accounts.models import Organisation
from apps.audit.context import Actor
from apps.inference.models import InferenceSettings
from apps.media.models import JobStatus, VideoJob, VideoJobEvent
from apps.media.services import poller
from apps.media.services.videos import SubmitRequest, video_submit
from apps.sandbox.models import Account
from apps.syncs.runner import sync_run
from tests.factories import UserFactory
from tests.integration.test_celery_worker import ROOT, database_url

# One xdist worker runs every worker test: they share the test broker (Redis database 15).
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("celery-worker"),
]

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
JOBS = 6


def _start_worker(queue: str) -> tuple[subprocess.Popen, list[str]]:
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": database_url("default"),
        "SANDBOX_DATABASE_URL": database_url("sandbox"),
        "CELERY_BROKER_URL": REDIS_URL,
        "OPENROUTER_TRANSPORT": "http",
        "VIDEO_LEASE_SECONDS": "5",
        "VIDEO_POLL_MIN_SECONDS": "1",
        "VIDEO_POLL_MAX_SECONDS": "2",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "console", "worker", "--pool=solo",
         "--loglevel=INFO", "-Q", queue, "--without-gossip", "--without-mingle",
         "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    output: list[str] = []
    threading.Thread(target=lambda: output.extend(process.stdout), daemon=True).start()
    deadline = time.monotonic() + 120
    while not any("ready." in line for line in output):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("the worker did not start:\n" + "".join(output))
        time.sleep(0.2)
    return process, output


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_a_worker_killed_mid_poll_loses_nothing_and_records_nothing_twice(
    live_server, organisation, sandbox_account, settings, sender
):
    account, _ = sandbox_account
    settings.SANDBOX_VIDEO_SECONDS = 6
    settings.VIDEO_POLL_MIN_SECONDS = 1
    settings.VIDEO_POLL_MAX_SECONDS = 2
    settings.VIDEO_LEASE_SECONDS = 5
    Organisation.objects.filter(pk=organisation.pk).update(
        base_url=f"{live_server.url}/sandbox/api/v1"
    )
    organisation.refresh_from_db()
    InferenceSettings.objects.update_or_create(
        organisation=organisation, defaults={"daily_limit": Decimal("500")}
    )
    assert sync_run(organisation, "video_models").run.ok
    model = organisation.video_models.get(model_id="minimax/hailuo-02")
    member = organisation.memberships.create(user=UserFactory(email="w@acme.test")).user
    actor = Actor(organisation=organisation, user=member)
    jobs = [
        video_submit(
            actor, token=uuid.uuid4(),
            request=SubmitRequest(model=model, prompt=f"job {i}", duration=6),
        )
        for i in range(JOBS)
    ]  # fmt: skip
    # Every upstream call now takes 1.5 s, so a poll is in flight most of the time.
    Account.objects.filter(pk=account.pk).update(fault="latency_ms=1500")

    queue = f"itest-video-{uuid.uuid4().hex[:8]}"

    def beat() -> None:
        poller.videos_dispatch(
            lambda pk, token: sender.send_task(
                "apps.media.tasks.video_poll", args=[pk, token], queue=queue
            )
        )

    first, first_output = _start_worker(queue)
    try:
        # Wait until the first worker is inside a poll (it logged the task and has not
        # finished it), then kill it without warning.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            beat()
            received = sum(
                "apps.media.tasks.video_poll" in line and "received" in line
                for line in first_output
            )
            done = sum("succeeded" in line for line in first_output)
            if received > done and received >= 2:
                break
            time.sleep(0.3)
        else:
            pytest.fail("the first worker never started a poll:\n" + "".join(first_output))
        time.sleep(0.5)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        held = VideoJob.objects.exclude(lease_token="").count()
        assert held >= 1  # the killed poll left its lease behind
    finally:
        _stop(first)

    second, second_output = _start_worker(queue)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            beat()
            if (
                not VideoJob.objects.filter(pk__in=[j.pk for j in jobs])
                .exclude(status__in=[JobStatus.COMPLETED])
                .exists()
            ):
                break
            time.sleep(0.5)
        else:
            pytest.fail(
                "jobs never all completed: "
                + str(list(VideoJob.objects.values_list("status", "lease_token", "next_poll_at")))
                + "\n"
                + "".join(second_output[-40:])
            )
    finally:
        _stop(second)

    for job in VideoJob.objects.filter(pk__in=[j.pk for j in jobs]):
        statuses = list(job.events.order_by("at", "id").values_list("status", flat=True))
        assert statuses[0] == "pending" and statuses[-1] == "completed", statuses
        assert len(statuses) == len(set(statuses)), statuses  # no duplicate status entries
        assert job.terminal_at is not None and job.cost is not None
    assert VideoJobEvent.objects.filter(status="completed").count() == JOBS

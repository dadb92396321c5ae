"""The poller against the sandbox: progress, failure, 429 storms, the bound, the lease."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.media.models import JobStatus, PollBudget, VideoJob
from apps.media.services import poller
from apps.sandbox.models import Account
from tests.media.conftest import age_upstream, make_due, poll_all

pytestmark = pytest.mark.django_db


def _statuses(job):
    return list(job.events.values_list("status", flat=True))


def test_poller_drives_a_job_from_pending_through_in_progress_to_completed(member, submit):
    job = submit(member)
    assert job.status == JobStatus.PENDING and job.job_id.startswith("gen-vid-")
    make_due(job)
    assert poll_all() == ["pending"]
    age_upstream(job, 11)
    make_due(job)
    assert poll_all() == ["in_progress"]
    age_upstream(job, 31)
    make_due(job)
    assert poll_all() == ["completed"]
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED and job.terminal_at is not None
    assert job.cost == pytest.approx(0.4 * 4) and job.generation_id.startswith("gen-")
    assert job.content_urls and job.content_expires_at > timezone.now()
    assert _statuses(job) == ["pending", "in_progress", "completed"]
    # Terminal: never polled again, never marked terminal twice.
    make_due(job)
    assert poll_all() == []
    first_terminal = job.terminal_at
    job.refresh_from_db()
    assert job.terminal_at == first_terminal


def test_a_failing_job_ends_failed_with_its_error(member, submit):
    job = submit(member, prompt="[fail] a storm")
    age_upstream(job, 31)
    make_due(job)
    assert poll_all() == ["failed"]
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "could not render" in job.error
    assert _statuses(job) == ["pending", "failed"]


def test_a_job_that_expires_upstream_says_so(member, submit):
    job = submit(member, prompt="[expire] slow")
    age_upstream(job, 31)
    make_due(job)
    poll_all()
    job.refresh_from_db()
    assert job.status == JobStatus.EXPIRED and "expired" in job.error


def test_a_429_storm_delays_polls_as_retry_after_says_and_loses_nothing(
    member, submit, upstream_fault, organisation
):
    jobs = [submit(member, prompt=f"job {i}") for i in range(3)]
    for job in jobs:
        age_upstream(job, 31)
        make_due(job)
    upstream_fault("429,retry_after=20")
    started = timezone.now()
    outcomes = poll_all()
    assert "deferred" in outcomes
    budget = PollBudget.objects.get(organisation=organisation)
    assert budget.paused_until >= started + timedelta(seconds=20)
    for job in VideoJob.objects.filter(pk__in=[j.pk for j in jobs], polls__gt=0):
        assert job.next_poll_at >= started + timedelta(seconds=20)
        assert job.status == JobStatus.PENDING and "rate" in job.last_poll_error.lower()
    # While paused nothing is sent, however due the jobs are.
    for job in jobs:
        make_due(job)
    assert poll_all() == []
    # The storm ends; after Retry-After every job completes, none lost, no duplicates.
    upstream_fault("")
    later = timezone.now() + timedelta(seconds=21)
    for job in jobs:
        VideoJob.objects.filter(pk=job.pk).update(next_poll_at=later - timedelta(seconds=1))
    assert sorted(poll_all(now=later)) == ["completed"] * 3
    for job in jobs:
        job.refresh_from_db()
        assert _statuses(job) == ["pending", "completed"]


def test_upstream_5xx_backs_off_without_losing_the_job(member, submit, upstream_fault):
    job = submit(member)
    make_due(job)
    upstream_fault("503")
    assert poll_all() == ["deferred"]
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING and job.next_poll_at > timezone.now()
    assert job.lease_token == ""


def test_polls_per_organisation_stay_under_the_bound_however_many_jobs(
    member, submit, settings, organisation
):
    settings.VIDEO_POLLS_PER_MINUTE = 6
    jobs = [submit(member, prompt=f"many {i}", model="minimax/hailuo-02") for i in range(10)]
    start = timezone.now()
    sent = 0
    for step in range(0, 61, 2):  # a minute of beats, every job always due
        now = start + timedelta(seconds=step)
        VideoJob.objects.filter(pk__in=[j.pk for j in jobs]).update(
            next_poll_at=now - timedelta(seconds=1), lease_until=None, lease_token=""
        )
        sent += len(poll_all(now=now))
    assert 0 < sent <= 6


def test_one_poll_per_job_at_a_time(member, submit):
    job = submit(member)
    make_due(job)
    first: list = []
    second: list = []
    poller.videos_dispatch(lambda pk, token: first.append(token))
    poller.videos_dispatch(lambda pk, token: second.append(token))
    assert len(first) == 1 and second == []  # the lease holds
    assert poller.job_poll(job.pk, "not-the-token") == "stale"
    assert poller.job_poll(job.pk, first[0]) == "pending"
    # A redelivered message with the spent token does nothing.
    assert poller.job_poll(job.pk, first[0]) == "stale"


def test_a_lease_left_by_a_dead_worker_runs_out_and_the_job_resumes(member, submit, settings):
    job = submit(member)
    make_due(job)
    tokens: list = []
    poller.videos_dispatch(lambda pk, token: tokens.append(token))  # its worker then "dies"
    later = timezone.now() + timedelta(seconds=settings.VIDEO_LEASE_SECONDS + 1)
    VideoJob.objects.filter(pk=job.pk).update(next_poll_at=later - timedelta(seconds=1))
    assert poll_all(now=later) == ["pending"]
    assert poller.job_poll(job.pk, tokens[0]) == "stale"


def test_a_job_unknown_upstream_ends_failed(member, submit):
    job = submit(member)
    VideoJob.objects.filter(pk=job.pk).update(job_id="gen-vid-0-doesnotexist00000000")
    make_due(job)
    assert poll_all() == ["gone"]
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "no longer knows" in job.error


def test_polls_use_the_service_key_once_the_owners_key_is_rotated(member, submit, organisation):
    from apps.audit.context import Actor
    from apps.inference.models import ConsoleKey
    from apps.inference.services import console_key_rotate

    job = submit(member)
    console_key_rotate(
        Actor(organisation=organisation, user=member),
        ConsoleKey.objects.get(user=member, active=True),
    )
    age_upstream(job, 31)
    make_due(job)
    assert poll_all() == ["completed"]
    assert Account.objects.exists()

"""The sync task (retry policy) and the schedule's dispatcher."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from apps.gateway.retry import backoff
from apps.syncs import services, tasks
from apps.syncs.models import SyncRun, SyncState
from apps.syncs.registry import streams

pytestmark = pytest.mark.django_db


@pytest.fixture
def countdowns(monkeypatch):
    asked: list[float] = []

    def fake_retry(*args, countdown=None, **kwargs):
        asked.append(countdown)
        return Retry()

    monkeypatch.setattr(tasks.sync_stream, "retry", fake_retry)
    return asked


@pytest.fixture
def sent(monkeypatch):
    """Tasks the services queue (by name), instead of a broker."""
    queued: list[tuple] = []
    monkeypatch.setattr(
        services.current_app, "send_task", lambda name, args: queued.append((name, *args))
    )
    return queued


def test_the_task_syncs_a_connected_organisation(organisation):
    assert tasks.sync_stream.run(organisation.pk, "keys") == "ok"
    assert SyncRun.objects.get(stream="keys").trigger == "schedule"


def test_a_rate_limited_run_is_rescheduled_no_sooner_than_retry_after(
    organisation, upstream_fault, countdowns
):
    upstream_fault("status=429, retry_after=45")
    with pytest.raises(Retry):
        tasks.sync_stream.run(organisation.pk, "credits")
    assert len(countdowns) == 1 and 45 <= countdowns[0] <= 46


def test_a_retry_after_beyond_the_cap_is_left_to_the_schedule(
    organisation, upstream_fault, countdowns, settings
):
    settings.SYNC_RETRY_CAP = 300
    upstream_fault("status=429, retry_after=900")
    assert tasks.sync_stream.run(organisation.pk, "credits") == "error"
    assert countdowns == []
    state = SyncState.objects.get(organisation=organisation, stream="credits")
    assert state.next_run_at >= timezone.now() + timedelta(seconds=890)


def test_an_outage_backs_off_exponentially_within_the_cap(organisation, upstream_fault, countdowns):
    upstream_fault("503")
    with pytest.raises(Retry):
        tasks.sync_stream.run(organisation.pk, "credits")
    assert 15 <= countdowns[0] <= 30
    assert backoff(10, retry_after=None, base=30, cap=600) <= 600


def test_a_refusal_is_not_retried(organisation, upstream_fault, countdowns):
    upstream_fault("403")
    assert tasks.sync_stream.run(organisation.pk, "credits") == "error"
    assert countdowns == []


def test_unknown_or_unconnected_organisations_are_skipped(organisation):
    assert tasks.sync_stream.run(999_999, "keys") == "skipped"
    organisation.management_key = ""
    organisation.save()
    assert tasks.sync_stream.run(organisation.pk, "keys") == "skipped"


def test_a_held_lock_reports_locked(organisation):
    SyncState.objects.create(
        organisation=organisation,
        stream="keys",
        lock_token="x",
        locked_until=timezone.now() + timedelta(seconds=30),
    )
    assert tasks.sync_stream.run(organisation.pk, "keys") == "locked"


def test_the_dispatcher_queues_each_due_stream_once(
    organisation, other_organisation, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        queued = services.syncs_dispatch_due()
    assert queued == 2 * len(streams())
    assert {(args[1], args[2]) for args in sent} == {
        (org.pk, s.name) for org in (organisation, other_organisation) for s in streams()
    }
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.syncs_dispatch_due() == 0  # claimed: not due again until the interval
    assert sent == []


def test_the_dispatcher_skips_a_running_stream(organisation, sent):
    SyncState.objects.create(
        organisation=organisation,
        stream="keys",
        lock_token="x",
        locked_until=timezone.now() + timedelta(seconds=30),
    )
    services.syncs_dispatch_due()
    assert not SyncState.objects.get(organisation=organisation, stream="keys").next_run_at


def test_sync_now_queues_once_per_cooldown(organisation, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sync_request(organisation=organisation, stream="keys")
        assert not services.sync_request(organisation=organisation, stream="keys")
    assert sent == [(services.SYNC_TASK, organisation.pk, "keys", "manual")]
    later = timezone.now() + services.REQUEST_COOLDOWN + timedelta(seconds=1)
    assert services.sync_request(organisation=organisation, stream="keys", now=later)

"""A run whose worker died is taken over by the next beat once its lease has run out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from apps.syncs import services
from apps.syncs.models import SyncRun, SyncState
from apps.syncs.runner import sync_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    queued: list[tuple] = []
    monkeypatch.setattr(
        services.current_app, "send_task", lambda name, args: queued.append((name, *args))
    )
    return queued


def _dead_run(organisation, *, lease_left: timedelta) -> None:
    """What a worker killed mid-run leaves: its token, a lease, a run still "running",
    and a next run an interval away (claimed by the beat that queued it)."""
    now = timezone.now()
    SyncState.objects.create(
        organisation=organisation,
        stream="keys",
        lock_token="dead-worker",
        locked_until=now + lease_left,
        last_started_at=now - timedelta(seconds=70),
        next_run_at=now + timedelta(minutes=9),
    )
    SyncRun.objects.create(organisation=organisation, stream="keys", started_at=now)


def test_an_abandoned_run_is_queued_again_as_soon_as_its_lease_ends(
    organisation, sent, django_capture_on_commit_callbacks
):
    _dead_run(organisation, lease_left=-timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.syncs_dispatch_due()
    assert ("apps.syncs.tasks.sync_stream", organisation.pk, "keys", "schedule") in sent
    state = SyncState.objects.get(organisation=organisation, stream="keys")
    assert state.lock_token == ""  # claimed once: the next beat does not queue it again
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.syncs_dispatch_due()
    assert not [s for s in sent if s[1:3] == (organisation.pk, "keys")]
    # The queued run takes the stream and records the dead one as abandoned.
    assert sync_run(organisation, "keys").run.ok
    assert SyncRun.objects.filter(stream="keys", outcome="abandoned").count() == 1


def test_a_live_lease_is_never_taken_over(organisation, sent, django_capture_on_commit_callbacks):
    _dead_run(organisation, lease_left=timedelta(seconds=30))
    with django_capture_on_commit_callbacks(execute=True):
        services.syncs_dispatch_due()
    assert not [s for s in sent if s[1:3] == (organisation.pk, "keys")]
    assert SyncState.objects.get(organisation=organisation, stream="keys").lock_token


def test_takeover_comes_within_a_lease_and_a_beat():
    beat = settings.CELERY_BEAT_SCHEDULE["syncs-due"]["schedule"]
    assert settings.SYNC_LOCK_TTL + beat <= 75
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST

"""Asking for syncs: the schedule's dispatcher and "sync now"."""

from __future__ import annotations

from datetime import datetime, timedelta

from celery import current_app
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import Organisation
from apps.syncs.models import SyncRun, SyncState
from apps.syncs.registry import stream_get, streams

# A second "sync now" for the same stream within this long is answered "already queued".
REQUEST_COOLDOWN = timedelta(seconds=30)


SYNC_TASK = "apps.syncs.tasks.sync_stream"


def _enqueue(organisation_id: int, stream: str, trigger: str) -> None:
    # Sent by name: the task module imports this one, not the other way round.
    transaction.on_commit(
        lambda: current_app.send_task(SYNC_TASK, args=[organisation_id, stream, trigger])
    )


def _due(now: datetime) -> Q:
    """Its next run is due, or its last run died: a lease that ran out and was never freed
    (a worker killed mid-run stops renewing it; a finished run clears the token)."""
    abandoned = ~Q(lock_token="") & Q(locked_until__lte=now)
    return Q(next_run_at__isnull=True) | Q(next_run_at__lte=now) | abandoned


def syncs_dispatch_due(now: datetime | None = None) -> int:
    """Queue every (connected organisation, stream) whose next run is due; returns how many.

    Claiming a pair moves its ``next_run_at`` one interval ahead first (and forgets a dead
    run's lease), so a slow queue never gets the same pair twice from consecutive beats. A
    run whose worker died is taken over at the first beat after its lease ran out.
    """
    now = now or timezone.now()
    organisation_ids = list(
        Organisation.objects.exclude(management_key="").values_list("pk", flat=True)
    )
    registered = streams()
    SyncState.objects.bulk_create(
        [
            SyncState(organisation_id=org_id, stream=s.name)
            for org_id in organisation_ids
            for s in registered
        ],
        ignore_conflicts=True,
    )
    queued = 0
    for stream in registered:
        due = SyncState.objects.filter(
            stream=stream.name, organisation_id__in=organisation_ids
        ).filter(_due(now), Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        for state_id, org_id in list(due.values_list("pk", "organisation_id")):
            claimed = (
                SyncState.objects.filter(pk=state_id)
                .filter(_due(now), Q(locked_until__isnull=True) | Q(locked_until__lte=now))
                .update(next_run_at=now + stream.interval, lock_token="")
            )
            if claimed:
                _enqueue(org_id, stream.name, SyncRun.Trigger.SCHEDULE)
                queued += 1
    return queued


def sync_request(*, organisation: Organisation, stream: str, now: datetime | None = None) -> bool:
    """ "Sync now": queue one run of ``stream``; False if one was asked for moments ago."""
    stream_get(stream)  # unknown names fail loudly
    now = now or timezone.now()
    SyncState.objects.get_or_create(organisation=organisation, stream=stream)
    asked = (
        SyncState.objects.filter(organisation=organisation, stream=stream)
        .filter(Q(requested_at__isnull=True) | Q(requested_at__lte=now - REQUEST_COOLDOWN))
        .update(requested_at=now)
    )
    if not asked:
        return False
    _enqueue(organisation.pk, stream, SyncRun.Trigger.MANUAL)
    return True

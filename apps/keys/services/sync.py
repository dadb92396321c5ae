"""The keys sync: page ``/keys`` of every workspace into the local mirror.

One run per (organisation, stream) at a time: the lock is a database constraint
(at most one ``running`` SyncRun), so two workers never sync the same organisation.
A run that fails keeps its cursor; the next run resumes from there. Keys not seen by
the end of a complete pass were deleted upstream and are removed locally.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.gateway import account as gateway_account
from apps.gateway import keys as gateway_keys
from apps.gateway.errors import UpstreamError
from apps.keys.models import Key, KeyUsageSnapshot, SyncRun
from apps.keys.services.mirror import UPSTREAM_FIELDS, key_from_upstream
from apps.keys.signals import workspaces_listed

logger = logging.getLogger(__name__)

STREAM = "keys"
STALE_AFTER = timedelta(minutes=15)  # a "running" run older than this died with its worker
RESUME_WITHIN = timedelta(hours=1)  # an older failed pass is started afresh


def _acquire(organisation) -> SyncRun | None:
    now = timezone.now()
    SyncRun.objects.filter(
        organisation=organisation,
        stream=STREAM,
        status=SyncRun.Status.RUNNING,
        started_at__lt=now - STALE_AFTER,
    ).update(status=SyncRun.Status.ABANDONED, finished_at=now, message="The worker stopped.")
    previous = (
        SyncRun.objects.filter(organisation=organisation, stream=STREAM)
        .order_by("-started_at", "-id")
        .first()
    )
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(
                organisation=organisation,
                stream=STREAM,
                facets=previous.facets if previous else {},
            )
    except IntegrityError:
        return None  # another worker holds the lock
    resumable = (
        previous is not None
        and previous.status in (SyncRun.Status.FAILED, SyncRun.Status.ABANDONED)
        and previous.cursor.get("pass_started_at")
        and previous.started_at >= now - RESUME_WITHIN
    )
    run.cursor = (
        dict(previous.cursor)
        if resumable
        else {"pass_started_at": run.started_at.isoformat(), "workspace": 0, "offset": 0}
    )
    run.save(update_fields=["cursor"])
    return run


def _store_page(organisation, page: list, workspace_name: str, now: datetime) -> int:
    fresh = [key_from_upstream(organisation, data, workspace_name=workspace_name) for data in page]
    for key in fresh:
        key.synced_at = now
    # Upsert: upstream-owned columns are overwritten; owner and creator_label are kept.
    Key.objects.bulk_create(
        fresh,
        update_conflicts=True,
        unique_fields=["organisation", "hash"],
        update_fields=list(UPSTREAM_FIELDS),
    )
    today = now.date()
    KeyUsageSnapshot.objects.bulk_create(
        [
            KeyUsageSnapshot(
                organisation=organisation,
                key_hash=k.hash,
                date=today,
                usage=k.usage,
                usage_daily=k.usage_daily,
                usage_weekly=k.usage_weekly,
                usage_monthly=k.usage_monthly,
                limit=k.limit,
                limit_remaining=k.limit_remaining,
                taken_at=now,
            )
            for k in fresh
        ],
        update_conflicts=True,
        unique_fields=["organisation", "key_hash", "date"],
        update_fields=[
            "usage",
            "usage_daily",
            "usage_weekly",
            "usage_monthly",
            "limit",
            "limit_remaining",
            "taken_at",
        ],
    )
    return len(fresh)


def keys_sync(organisation) -> SyncRun | None:
    """Run (or resume) one sync pass; ``None`` when another run holds the lock."""
    run = _acquire(organisation)
    if run is None:
        return None
    cursor = run.cursor
    try:
        workspaces = gateway_account.workspaces_list(organisation)
        workspaces_listed.send(sender=SyncRun, organisation=organisation, workspaces=workspaces)
        run.facets = {
            **run.facets,
            "workspaces": [{"id": str(ws.id), "name": ws.name} for ws in workspaces],
        }
        for index in range(cursor["workspace"], len(workspaces)):
            workspace = workspaces[index]
            while True:
                page = gateway_keys.keys_page(
                    organisation, workspace_id=str(workspace.id), offset=cursor["offset"]
                )
                with transaction.atomic():
                    run.rows += _store_page(organisation, page, workspace.name, timezone.now())
                    cursor["offset"] += len(page)
                    run.save(update_fields=["rows", "cursor", "facets"])
                if len(page) < gateway_keys.KEYS_PAGE_SIZE:
                    break
            cursor["workspace"], cursor["offset"] = index + 1, 0
        _finish_pass(organisation, run, datetime.fromisoformat(cursor["pass_started_at"]))
    except UpstreamError as exc:
        run.exc = exc  # for callers that report the failure (the spend "keys" stream)
        run.status = SyncRun.Status.FAILED
        run.errors += 1
        run.message = exc.user_message[:500]
        if exc.retry_after is not None:
            run.cursor = {**run.cursor, "retry_after": exc.retry_after}
        logger.warning("keys sync failed for organisation %s: %s", organisation.pk, exc.message)
    run.finished_at = timezone.now()
    run.save()
    return run


def _finish_pass(organisation, run: SyncRun, pass_started_at: datetime) -> None:
    with transaction.atomic():
        # Not seen since the pass began (and not written through since): gone upstream.
        gone, _ = Key.objects.filter(
            organisation=organisation, synced_at__lt=pass_started_at
        ).delete()
        creators = (
            Key.objects.filter(organisation=organisation)
            .exclude(creator_label="")
            .order_by("creator_label")
            .values_list("creator_label", flat=True)
            .distinct()
        )
        run.facets = {**run.facets, "creators": list(creators)}
        run.status = SyncRun.Status.OK
        run.message = f"{run.rows} keys synced" + (f", {gone} removed" if gone else "")
        run.cursor = {}

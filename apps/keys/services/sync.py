"""The keys stream: list the workspaces, then page ``/keys`` of each into the local mirror.

It runs under the sync framework (``apps.syncs``): one run per organisation at a time, a
checkpoint after every stored page, so a failed pass resumes at the page that failed. Keys
not seen by the end of a complete pass were deleted upstream and are removed locally.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from apps.gateway import keys as gateway_keys
from apps.gateway import workspaces as gateway_workspaces
from apps.keys.models import Key, KeyUsageSnapshot
from apps.keys.services.attempts import orphans_match
from apps.keys.services.mirror import UPSTREAM_FIELDS, key_from_upstream, key_guardrails_mirror
from apps.syncs.runner import SyncContext
from apps.workspaces.services import workspaces_mirror

RESUME_WITHIN = timedelta(hours=1)  # an older unfinished pass is started afresh

SNAPSHOT_FIELDS = (
    "usage",
    "usage_daily",
    "usage_weekly",
    "usage_monthly",
    "limit",
    "limit_remaining",
    "taken_at",
)


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
    # A key new to the mirror takes the guardrail it already holds (kept rows keep theirs).
    key_guardrails_mirror(organisation, [k.hash for k in fresh])
    KeyUsageSnapshot.objects.bulk_create(
        [
            KeyUsageSnapshot(
                organisation=organisation,
                key_hash=k.hash,
                date=now.date(),
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
        update_fields=list(SNAPSHOT_FIELDS),
    )
    return len(fresh)


def _fresh_cursor(ctx: SyncContext, now: datetime) -> dict:
    started = ctx.cursor.get("pass_started_at")
    if started and datetime.fromisoformat(started) >= now - RESUME_WITHIN:
        return ctx.cursor  # resume the unfinished pass
    ctx.cursor = {"pass_started_at": now.isoformat(), "workspace": 0, "offset": 0}
    return ctx.cursor


def keys_sync_run(ctx: SyncContext) -> None:
    """One pass (or the rest of an unfinished one) over every workspace's keys."""
    organisation = ctx.organisation
    cursor = _fresh_cursor(ctx, timezone.now())
    listed = gateway_workspaces.workspaces_list(organisation)
    workspaces_mirror(organisation, listed)
    for index in range(cursor["workspace"], len(listed)):
        workspace = listed[index]
        while True:
            page = gateway_keys.keys_page(
                organisation, workspace_id=str(workspace.id), offset=cursor["offset"]
            )
            with transaction.atomic():
                ctx.rows += _store_page(organisation, page, workspace.name, timezone.now())
                ctx.checkpoint(offset=cursor["offset"] + len(page))
            if len(page) < gateway_keys.KEYS_PAGE_SIZE:
                break
        ctx.checkpoint(workspace=index + 1, offset=0)
    pass_started_at = datetime.fromisoformat(cursor["pass_started_at"])
    gone = _finish_pass(organisation, pass_started_at)
    orphans = orphans_match(organisation, pass_started_at=pass_started_at)
    ctx.message = (
        f"{ctx.rows} keys synced"
        + (f", {gone} removed" if gone else "")
        + (f", {orphans} created without their secret reaching the console" if orphans else "")
    )


def _finish_pass(organisation, pass_started_at: datetime) -> int:
    """Keys not seen since the pass began (and not written through since): gone upstream."""
    gone, _ = Key.objects.filter(organisation=organisation, synced_at__lt=pass_started_at).delete()
    return gone

"""Turning upstream key objects into local ``Key`` rows (write-through and sync)."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.core.times import as_datetime
from apps.guardrails.models import GuardrailKeyAssignment
from apps.keys.models import Key, KeyUsageSnapshot
from apps.workspaces.selectors import workspace_names

# Columns that upstream owns: a sync overwrites them; console-only columns are kept.
UPSTREAM_FIELDS = (
    "name",
    "label",
    "workspace_id",
    "workspace_name",
    "disabled",
    "limit",
    "limit_remaining",
    "limit_reset",
    "include_byok_in_limit",
    "usage",
    "usage_daily",
    "usage_weekly",
    "usage_monthly",
    "created_at",
    "updated_at",
    "expires_at",
    "last_used_at",
    "creator_user_id",
    "last_used_sort",
    "remaining_sort",
    "limit_used_ratio",
    "synced_at",
)


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def key_from_upstream(organisation, data: Any, *, workspace_name: str = "") -> Key:
    """An unsaved ``Key`` holding everything upstream said about one key."""
    key = Key(
        organisation=organisation,
        hash=data.hash,
        name=data.name,
        label=data.label or "",
        workspace_id=str(data.workspace_id or ""),
        workspace_name=workspace_name,
        disabled=bool(data.disabled),
        limit=_float(data.limit),
        limit_remaining=_float(data.limit_remaining),
        limit_reset=data.limit_reset or "",
        include_byok_in_limit=bool(data.include_byok_in_limit),
        usage=float(data.usage or 0),
        usage_daily=float(data.usage_daily or 0),
        usage_weekly=float(data.usage_weekly or 0),
        usage_monthly=float(data.usage_monthly or 0),
        created_at=as_datetime(data.created_at) or timezone.now(),
        updated_at=as_datetime(data.updated_at),
        expires_at=as_datetime(data.expires_at),
        last_used_at=as_datetime(data.last_used_at),
        creator_user_id=data.creator_user_id or "",
        creator_label=data.creator_user_id or "",
        synced_at=timezone.now(),
    )
    key.refresh_derived()
    return key


def key_store(organisation, data: Any, *, owner=None, creator_label: str = "") -> Key:
    """Write one upstream key through to the local mirror (insert or update)."""
    fresh = key_from_upstream(organisation, data)
    existing = Key.objects.filter(organisation=organisation, hash=fresh.hash).first()
    if existing is None:
        fresh.owner = owner
        fresh.creator_label = creator_label or fresh.creator_label
        fresh.workspace_name = _workspace_name(organisation, fresh.workspace_id)
        fresh.save()
        snapshot_store(fresh)
        key_guardrails_mirror(organisation, [fresh.hash])
        return fresh
    for name in UPSTREAM_FIELDS:
        if name == "workspace_name":
            continue
        setattr(existing, name, getattr(fresh, name))
    if existing.workspace_id != fresh.workspace_id or not existing.workspace_name:
        existing.workspace_name = _workspace_name(organisation, fresh.workspace_id)
    if owner is not None:
        existing.owner = owner
    existing.save()
    snapshot_store(existing)
    return existing


def key_guardrails_mirror(organisation, hashes: list[str] | None = None) -> int:
    """Copy the guardrail each key holds (the guardrails mirror's assignments) onto its row,
    for ``hashes`` or every key of the organisation; only rows that differ are written.
    Called wherever either side changes: the keys sync and a key written through, the
    guardrails sync, an (un)assignment, a guardrail's deletion. Returns the rows changed."""
    held = Coalesce(
        Subquery(
            GuardrailKeyAssignment.objects.filter(
                organisation=organisation, key_hash=OuterRef("hash")
            ).values("guardrail_id")[:1]
        ),
        Value(""),
    )
    keys = Key.objects.filter(organisation=organisation)
    if hashes is not None:
        keys = keys.filter(hash__in=hashes)
    return keys.filter(~Q(guardrail_id=held)).update(guardrail_id=held)


def snapshot_store(key: Key) -> None:
    """Today's usage snapshot of one key, upserted with absolute values."""
    KeyUsageSnapshot.objects.update_or_create(
        organisation=key.organisation,
        key_hash=key.hash,
        date=timezone.now().date(),
        defaults={
            "usage": key.usage,
            "usage_daily": key.usage_daily,
            "usage_weekly": key.usage_weekly,
            "usage_monthly": key.usage_monthly,
            "limit": key.limit,
            "limit_remaining": key.limit_remaining,
            "taken_at": timezone.now(),
        },
    )


def _workspace_name(organisation, workspace_id: str) -> str:
    """The workspace's name from the mirror ("" if unknown)."""
    return workspace_names(organisation).get(workspace_id, "")

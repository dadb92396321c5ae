"""Turning upstream key objects into local ``Key`` rows (write-through and sync)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.keys.models import Key, KeyUsageSnapshot

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


def as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        parsed = parse_datetime(value.replace("Z", "+00:00"))
        if parsed is not None and parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed
    return None


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def key_from_upstream(organisation, data: Any, *, workspace_name: str = "") -> Key:
    """An unsaved ``Key`` holding everything upstream said about one key."""
    key = Key(
        organisation=organisation,
        hash=data.hash,
        name=data.name,
        label=data.label or "",
        workspace_id=str(getattr(data, "workspace_id", "") or ""),
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
        updated_at=as_datetime(getattr(data, "updated_at", None)),
        expires_at=as_datetime(getattr(data, "expires_at", None)),
        last_used_at=as_datetime(getattr(data, "last_used_at", None)),
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
        _note_creator(organisation, fresh.creator_label)
        snapshot_store(fresh)
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
    """The workspace's name as the last sync recorded it ("" if unknown)."""
    from apps.keys.selectors import sync_latest

    run = sync_latest(organisation)
    for ws in run.facets.get("workspaces", []) if run else []:
        if ws["id"] == workspace_id:
            return ws["name"]
    return ""


def _note_creator(organisation, label: str) -> None:
    """Offer a new creator in the list's filter straight away, not after the next sync."""
    from apps.keys.selectors import sync_latest

    run = sync_latest(organisation)
    if run is None or not label or label in run.facets.get("creators", []):
        return
    run.facets = {**run.facets, "creators": sorted([*run.facets.get("creators", []), label])}
    run.save(update_fields=["facets"])

"""Reads for the keys pages, always scoped to one organisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from apps.core import keyset
from apps.keys.models import Key, KeyRequest, KeyRotation, KeyUsageSnapshot
from apps.keys.syncs import STREAM
from apps.syncs.selectors import synced_once

PAGE_SIZE = 50
EXPIRING_DAYS = 14
NEAR_LIMIT_RATIO = 0.8

# sort name -> (column, descending by default)
SORTS: dict[str, tuple[str, bool]] = {
    "name": ("name", False),
    "created": ("created_at", True),
    "last_used": ("last_used_sort", True),
    "usage_day": ("usage_daily", True),
    "usage_week": ("usage_weekly", True),
    "usage_month": ("usage_monthly", True),
    "remaining": ("remaining_sort", False),
}
STATES = ("active", "disabled", "expired", "expiring", "near_limit")

# Only the columns a list row shows: keeps 10,000-key pages light.
LIST_COLUMNS = (
    "id",
    "hash",
    "name",
    "label",
    "workspace_id",
    "workspace_name",
    "disabled",
    "limit",
    "limit_remaining",
    "limit_reset",
    "usage",
    "usage_daily",
    "usage_weekly",
    "usage_monthly",
    "created_at",
    "expires_at",
    "last_used_at",
    "creator_label",
    "last_used_sort",
    "remaining_sort",
    "limit_used_ratio",
    "owner_id",
    "secret_not_received",
)


@dataclass(frozen=True)
class KeyFilters:
    q: str = ""
    workspace: str = ""
    state: str = ""
    creator: str = ""
    sort: str = "name"
    descending: bool | None = None  # None: the sort's natural direction

    @property
    def column(self) -> str:
        return SORTS.get(self.sort, SORTS["name"])[0]

    @property
    def is_descending(self) -> bool:
        return (
            SORTS.get(self.sort, SORTS["name"])[1] if self.descending is None else self.descending
        )


def state_q(state: str, now: datetime) -> Q:
    not_expired = Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    return {
        "active": Q(disabled=False) & not_expired,
        "disabled": Q(disabled=True),
        "expired": Q(expires_at__lte=now),
        "expiring": Q(expires_at__gt=now, expires_at__lte=now + timedelta(days=EXPIRING_DAYS)),
        "near_limit": Q(limit_used_ratio__gte=NEAR_LIMIT_RATIO),
    }.get(state, Q())


def keys_filtered(organisation, filters: KeyFilters, *, owner=None) -> QuerySet[Key]:
    qs = Key.objects.filter(organisation=organisation)
    if owner is not None:
        qs = qs.filter(owner=owner)
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(label__icontains=filters.q))
    if filters.workspace:
        qs = qs.filter(workspace_id=filters.workspace)
    if filters.creator:
        qs = qs.filter(creator_label=filters.creator)
    if filters.state:
        qs = qs.filter(state_q(filters.state, timezone.now()))
    return qs


def keys_page(organisation, filters: KeyFilters, *, after: str = "", owner=None):
    """One page of keys by keyset: ``(rows, next_cursor or "")``. One query."""
    qs = keys_filtered(organisation, filters, owner=owner).only(*LIST_COLUMNS)
    return keyset.page(
        qs, filters.column, descending=filters.is_descending, after=after, size=PAGE_SIZE
    )


def key_counts(organisation) -> dict[str, int] | None:
    """How many keys the mirror holds, live and all (None before the first sync)."""
    if not synced_once(organisation, STREAM):
        return None
    now = timezone.now()
    live = Q(disabled=False) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    return Key.objects.filter(organisation=organisation).aggregate(
        total=Count("id"), live=Count("id", filter=live)
    )


def creator_choices(organisation) -> list[str]:
    """Every creator label the mirror holds, for the list's filter."""
    return list(
        Key.objects.filter(organisation=organisation)
        .exclude(creator_label="")
        .order_by("creator_label")
        .values_list("creator_label", flat=True)
        .distinct()
    )


def creator_user_counts(organisation) -> dict[str, int]:
    """Upstream users who created keys, with how many keys each (by user id)."""
    rows = (
        Key.objects.filter(organisation=organisation)
        .exclude(creator_user_id="")
        .values_list("creator_user_id")
        .annotate(n=Count("id"))
        .order_by("creator_user_id")
    )
    return dict(rows)


def key_usage_series(organisation, key_hash: str, days: int = 30) -> list[KeyUsageSnapshot]:
    since = timezone.now().date() - timedelta(days=days)
    return list(
        KeyUsageSnapshot.objects.filter(
            organisation=organisation, key_hash=key_hash, date__gte=since
        ).order_by("date")
    )


def rotating_hashes(organisation) -> dict[str, KeyRotation]:
    """Keys in a scheduled rotation (old and successor), for the list's badges. One query."""
    out: dict[str, KeyRotation] = {}
    for rotation in KeyRotation.objects.filter(
        organisation=organisation, status=KeyRotation.Status.SCHEDULED
    ):
        out[rotation.old_key_hash] = out[rotation.new_key_hash] = rotation
    return out


def key_rotations(organisation, key_hash: str) -> QuerySet[KeyRotation]:
    return KeyRotation.objects.filter(organisation=organisation).filter(
        Q(old_key_hash=key_hash) | Q(new_key_hash=key_hash)
    )


# --- hygiene --------------------------------------------------------------------------------

HYGIENE_CHECKS = {
    "no_limit": "No spending limit",
    "no_expiry": "No expiry date",
    "unused_30": "Unused for 30 days",
    "unused_90": "Unused for 90 days",
    "expiring": f"Expiring within {EXPIRING_DAYS} days",
}


def hygiene_q(check: str, now: datetime) -> Q:
    def unused(days: int) -> Q:
        cutoff = now - timedelta(days=days)
        return Q(last_used_at__lt=cutoff) | Q(last_used_at__isnull=True, created_at__lt=cutoff)

    return {
        "no_limit": Q(limit__isnull=True),
        "no_expiry": Q(expires_at__isnull=True),
        "unused_30": unused(30),
        "unused_90": unused(90),
        "expiring": state_q("expiring", now),
    }[check]


def hygiene_keys(organisation, check: str, *, limit: int = 500) -> list[Key]:
    now = timezone.now()
    live = Q(disabled=False) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    qs = Key.objects.filter(organisation=organisation).filter(live & hygiene_q(check, now))
    return list(qs.only(*LIST_COLUMNS).order_by("name", "id")[:limit])


def hygiene_counts(organisation) -> dict[str, int]:
    now = timezone.now()
    live = Q(disabled=False) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    aggregates = {
        check: Count("id", filter=live & hygiene_q(check, now)) for check in HYGIENE_CHECKS
    }
    return Key.objects.filter(organisation=organisation).aggregate(**aggregates)


# --- requests -------------------------------------------------------------------------------


def requests_pending(organisation) -> QuerySet[KeyRequest]:
    return (
        KeyRequest.objects.filter(
            organisation=organisation,
            status__in=[KeyRequest.Status.PENDING, KeyRequest.Status.APPROVING],
        )
        .select_related("requester")
        .order_by("created_at", "id")
    )


def requests_recent(organisation, limit: int = 30) -> list[KeyRequest]:
    return list(
        KeyRequest.objects.filter(organisation=organisation)
        .exclude(status__in=[KeyRequest.Status.PENDING, KeyRequest.Status.APPROVING])
        .select_related("requester", "decided_by")
        .order_by("-created_at", "-id")[:limit]
    )


def requests_of(organisation, user) -> list[KeyRequest]:
    return list(
        KeyRequest.objects.filter(organisation=organisation, requester=user).order_by(
            "-created_at", "-id"
        )
    )


def badge_count(organisation, user, *, approver: bool) -> int:
    """Pending requests for approvers; secrets waiting to be revealed for everyone else."""
    if approver:
        return requests_pending(organisation).count()
    return KeyRequest.objects.filter(
        organisation=organisation,
        requester=user,
        status=KeyRequest.Status.APPROVED,
        revealed_at__isnull=True,
        reveal_until__gt=timezone.now(),
    ).count()

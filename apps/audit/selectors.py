"""Reading the audit log of one organisation, filtered and paginated by keyset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.audit.models import AuditEntry

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    action: str = ""
    target: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_entries(organisation, filters: AuditFilters) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.filter(organisation=organisation)
    if filters.actor:
        qs = qs.filter(actor_label__icontains=filters.actor)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.target:
        qs = qs.filter(
            Q(target_type__icontains=filters.target)
            | Q(target_id=filters.target)
            | Q(target_label__icontains=filters.target)
        )
    if filters.date_from:
        qs = qs.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    return qs.order_by("-created_at", "-id")


def audit_page(organisation, filters: AuditFilters, *, before_id: int | None = None):
    """One page, newest first; ``before_id`` continues after the last entry of the previous page."""
    qs = audit_entries(organisation, filters)
    if before_id is not None:
        anchor = (
            AuditEntry.objects.filter(organisation=organisation, pk=before_id)
            .values("created_at")
            .first()
        )
        if anchor is not None:
            qs = qs.filter(
                Q(created_at__lt=anchor["created_at"])
                | Q(created_at=anchor["created_at"], id__lt=before_id)
            )
    rows = list(qs.select_related("actor")[: PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def audit_actions(organisation) -> list[str]:
    return list(
        AuditEntry.objects.filter(organisation=organisation)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )


def audit_for_target(organisation, target_type: str, target_id: str) -> QuerySet[AuditEntry]:
    """An object's history for its page, newest first: when, who and what, without each
    entry's before and after (a bulk assignment's run to thousands of ids; the audit log
    shows them)."""
    return (
        AuditEntry.objects.filter(
            organisation=organisation, target_type=target_type, target_id=target_id
        )
        .defer("before", "after")
        .order_by("-created_at", "-id")
    )

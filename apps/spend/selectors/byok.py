"""BYOK spend for the BYOK page: what OpenRouter estimates your own provider accounts were
charged, from the spend cache (``SpendFact.byok_micros``), by provider and workspace."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Sum

from apps.spend.models import SpendFact
from apps.spend.money import MICROS
from apps.spend.selectors.common import reporting_today

BYOK_WINDOW_DAYS = 30


def byok_spend_by_provider(
    organisation, *, days: int = BYOK_WINDOW_DAYS
) -> dict[tuple[str, str], Decimal]:
    """``(provider display name, workspace id) → USD`` over the last ``days`` days. One query."""
    since = reporting_today(organisation) - timedelta(days=days - 1)
    rows = (
        SpendFact.objects.filter(organisation=organisation, date__gte=since, byok_micros__gt=0)
        .values_list("provider", "workspace_id")
        .annotate(b=Sum("byok_micros"))
        .order_by()
    )
    return {(provider, ws): Decimal(b) / MICROS for provider, ws, b in rows}

"""Spend in a budget's current window, from the spend cache: what every budget line, every
effective policy and every "would block" check counts (imports nothing but the spend models,
so any app may use it)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from apps.spend.models import SpendFact
from apps.spend.money import to_dollars
from apps.spend.periods import window_start


def spent_in_window(organisation, interval: str, include_byok: bool, today, **lookups) -> Decimal:
    """Spend in ``interval``'s current UTC window (``""``/lifetime: all of it) of the rows
    matching ``lookups``, from the spend cache; BYOK spend counted when ``include_byok``."""
    start = window_start(interval, today)
    qs = SpendFact.objects.filter(organisation=organisation, **lookups)
    if start is not None:
        qs = qs.filter(date__gte=start)
    sums = qs.aggregate(u=Sum("usage_micros"), b=Sum("byok_micros"))
    return to_dollars((sums["u"] or 0) + ((sums["b"] or 0) if include_byok else 0))

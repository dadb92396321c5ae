"""Spend derived from the activity ledger: key usage windows, credits, activity rows."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q, Sum
from django.utils import timezone

from apps.sandbox.models import Account, ActivityRecord, ApiKey

WINDOWS = ("daily", "weekly", "monthly")


def utc_today() -> date:
    return timezone.now().date()


def window_start(window: str | None, today: date) -> date | None:
    """First UTC day of the counting window (None = lifetime). Weeks run Monday to Sunday."""
    if window == "daily":
        return today
    if window == "weekly":
        return today - timedelta(days=today.weekday())
    if window == "monthly":
        return today.replace(day=1)
    return None


def _zero() -> dict[str, float]:
    return {
        f"{prefix}{suffix}": 0.0
        for prefix in ("usage", "byok_usage")
        for suffix in ("", "_daily", "_weekly", "_monthly")
    }


def key_usage(account: Account, hashes: list[str]) -> dict[str, dict[str, float]]:
    """Usage counters for each key, in one query."""
    today = utc_today()
    aggregates = {}
    for suffix, start in (
        ("", None),
        ("_daily", today),
        ("_weekly", window_start("weekly", today)),
        ("_monthly", window_start("monthly", today)),
    ):
        cond = Q(date__gte=start) if start else Q()
        # Aliases must not shadow model fields, hence the "agg_" prefix.
        aggregates[f"agg_usage{suffix}"] = Sum("usage", filter=cond, default=0.0)
        aggregates[f"agg_byok_usage{suffix}"] = Sum(
            "byok_usage_inference", filter=cond, default=0.0
        )
    rows = (
        ActivityRecord.objects.filter(account=account, key_hash__in=hashes)
        .values("key_hash")
        .annotate(**aggregates)
    )
    result = {h: _zero() for h in hashes}
    for row in rows:
        key_hash = row.pop("key_hash")
        result[key_hash] = {k.removeprefix("agg_"): round(float(v), 6) for k, v in row.items()}
    return result


def limit_remaining(key: ApiKey, usage: dict[str, float]) -> float | None:
    if key.limit is None:
        return None
    suffix = f"_{key.limit_reset}" if key.limit_reset in WINDOWS else ""
    spent = usage[f"usage{suffix}"]
    if key.include_byok_in_limit:
        spent += usage[f"byok_usage{suffix}"]
    return round(max(0.0, key.limit - spent), 6)


def total_usage(account: Account) -> float:
    return float(
        ActivityRecord.objects.filter(account=account).aggregate(total=Sum("usage", default=0.0))[
            "total"
        ]
    )

"""Dates in the organisation's reporting time zone, and upstream's UTC windows."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from apps.core.periods import resets_in, utc_today, window_end, window_start

__all__ = [
    "bucket",
    "local_today",
    "period_key",
    "resets_in",
    "utc_today",
    "window_end",
    "window_start",
    "zone",
]


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_today(tz_name: str, now: datetime | None = None) -> date:
    """Today's date where the organisation reports (upstream days stay UTC days)."""
    return (now or timezone.now()).astimezone(zone(tz_name)).date()


def period_key(interval: str, today: date) -> str:
    """The window's name, for "once per period" alerts."""
    start = window_start(interval, today)
    return "lifetime" if start is None else start.isoformat()


def bucket(day: date, granularity: str) -> date:
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day

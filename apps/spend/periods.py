"""Dates in the organisation's reporting time zone, and upstream's UTC windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_today(tz_name: str, now: datetime | None = None) -> date:
    """Today's date where the organisation reports (upstream days stay UTC days)."""
    return (now or timezone.now()).astimezone(zone(tz_name)).date()


def utc_today(now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(UTC).date()


def window_start(interval: str, today: date) -> date | None:
    """First UTC day of a budget or key-limit window (None = lifetime). Weeks start Monday."""
    if interval == "daily":
        return today
    if interval == "weekly":
        return today - timedelta(days=today.weekday())
    if interval == "monthly":
        return today.replace(day=1)
    return None


def window_end(interval: str, today: date) -> date | None:
    """The first UTC day of the next window: when the budget resets."""
    start = window_start(interval, today)
    if start is None:
        return None
    if interval == "daily":
        return start + timedelta(days=1)
    if interval == "weekly":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def period_key(interval: str, today: date) -> str:
    start = window_start(interval, today)
    return "lifetime" if start is None else start.isoformat()


def resets_in(interval: str, now: datetime | None = None) -> timedelta | None:
    now = now or timezone.now()
    end = window_end(interval, utc_today(now))
    if end is None:
        return None
    return datetime.combine(end, datetime.min.time(), tzinfo=UTC) - now


def bucket(day: date, granularity: str) -> date:
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day

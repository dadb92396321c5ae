"""Upstream's limit and budget windows: UTC days, weeks starting on Monday, calendar months."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

INTERVALS = ("daily", "weekly", "monthly")


def utc_today(now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(UTC).date()


def window_start(interval: str, today: date) -> date | None:
    """First UTC day of a budget or key-limit window (None = lifetime)."""
    if interval == "daily":
        return today
    if interval == "weekly":
        return today - timedelta(days=today.weekday())
    if interval == "monthly":
        return today.replace(day=1)
    return None


def window_end(interval: str, today: date) -> date | None:
    """The first UTC day of the next window: when the budget or limit resets."""
    start = window_start(interval, today)
    if start is None:
        return None
    if interval == "daily":
        return start + timedelta(days=1)
    if interval == "weekly":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def resets_at(interval: str, now: datetime | None = None) -> datetime | None:
    """The instant the current window ends (None for a lifetime window)."""
    end = window_end(interval, utc_today(now))
    return None if end is None else datetime.combine(end, datetime.min.time(), tzinfo=UTC)


def resets_in(interval: str, now: datetime | None = None) -> timedelta | None:
    now = now or timezone.now()
    at = resets_at(interval, now)
    return None if at is None else at - now

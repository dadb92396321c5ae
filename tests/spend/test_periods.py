from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from apps.spend.filters import default_filters, filters_parse
from apps.spend.models import SpendSettings
from apps.spend.periods import bucket, local_today
from apps.spend.selectors import reporting_today

pytestmark = pytest.mark.django_db


def test_local_today_follows_the_reporting_time_zone():
    just_after_utc_midnight = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    assert local_today("UTC", just_after_utc_midnight) == date(2026, 3, 1)
    assert local_today("America/Los_Angeles", just_after_utc_midnight) == date(2026, 2, 28)
    assert local_today("Pacific/Auckland", datetime(2026, 2, 28, 20, 0, tzinfo=UTC)) == date(
        2026, 3, 1
    )
    assert local_today("Not/AZone", just_after_utc_midnight) == date(2026, 3, 1)


@pytest.mark.parametrize(
    ("tz", "now", "latest_day"),
    [
        ("UTC", datetime(2026, 3, 1, 2, tzinfo=UTC), date(2026, 2, 28)),
        # Still 28 February in Los Angeles: the 28th is not complete there yet.
        ("America/Los_Angeles", datetime(2026, 3, 1, 2, tzinfo=UTC), date(2026, 2, 27)),
        # Already 1 March in Auckland, but upstream's UTC day of the 28th is not complete.
        ("Pacific/Auckland", datetime(2026, 2, 28, 20, tzinfo=UTC), date(2026, 2, 27)),
    ],
)
def test_latest_selectable_day_respects_both_the_zone_and_utc(organisation, tz, now, latest_day):
    SpendSettings.objects.create(organisation=organisation, timezone=tz)
    today = reporting_today(organisation, now)
    assert default_filters(today).end == latest_day
    _, errors = filters_parse(
        {"start": "2026-02-01", "end": (latest_day.replace(day=latest_day.day)).isoformat()},
        today=today,
        known={},
        fallback=default_filters(today),
    )
    assert errors == []
    # Today (still running) may end a range, and is said to be partial; tomorrow may not.
    assert today == date.fromordinal(latest_day.toordinal() + 1)
    _, errors = filters_parse(
        {"start": "2026-02-01", "end": today.isoformat()},
        today=today,
        known={},
        fallback=default_filters(today),
    )
    assert errors == []
    tomorrow = date.fromordinal(today.toordinal() + 1)
    _, errors = filters_parse(
        {"start": "2026-02-01", "end": tomorrow.isoformat()},
        today=today,
        known={},
        fallback=default_filters(today),
    )
    assert errors and "future" in errors[0]


def test_week_buckets_start_monday_and_months_on_the_first():
    assert bucket(date(2026, 3, 1), "week") == date(2026, 2, 23)
    assert bucket(date(2026, 3, 31), "month") == date(2026, 3, 1)
    assert bucket(date(2026, 3, 31), "day") == date(2026, 3, 31)

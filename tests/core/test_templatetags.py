from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from apps.core.templatetags.console import ago, count, money, month_label, usd, within, ymd


def test_compact_time_filters():
    now = timezone.now()
    assert ago(None) == "never"
    assert ago(now - timedelta(days=3, hours=2)) == "3 d ago"
    assert ago(now + timedelta(hours=5)) == "just now"  # clocks disagree: never "ago" in the future
    assert within(now + timedelta(hours=2, minutes=5)) == "in 2 h"
    assert ymd(now) == now.strftime("%Y-%m-%d")


def test_money_formats_have_separators_and_a_leading_minus():
    assert usd(1234.5) == "1,234.50" and usd(None) == ""
    assert money(Decimal("-40.44")) == "-$40.44"
    assert money(1234.5) == "$1,234.50" and money(0) == "$0.00"
    assert count(62306) == "62,306" and count(None) == ""


def test_month_labels_read_as_months():
    assert month_label("2026-11-01") == "Nov 2026"
    assert month_label(date(2026, 1, 1)) == "Jan 2026"

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from apps.keys.models import Key
from apps.spend.models import Alert, Budget, CreditSnapshot, SpendSettings
from apps.spend.selectors.budgets import budget_lines
from apps.spend.services.alerts import alerts_check

pytestmark = pytest.mark.django_db


def _low_credits(org, balance="3"):
    CreditSnapshot.objects.create(
        organisation=org, taken_at=timezone.now(), total_credits=Decimal(balance), total_usage=0
    )


def test_low_credits_alert_is_emailed_to_finance_and_admins_once_per_day(
    organisation, owner, admin, finance, member
):
    _low_credits(organisation)
    now = datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert len(alerts_check(organisation, now=now)) == 1
    assert len(alerts_check(organisation, now=now + timedelta(hours=5))) == 0
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted([owner.email, admin.email, finance.email])
    assert member.email not in mail.outbox[0].to
    # The next day is a new period.
    assert len(alerts_check(organisation, now=now + timedelta(days=1))) == 1
    assert Alert.objects.count() == 2


def test_key_limit_thresholds_fire_once_each_per_window(organisation, admin):
    Key.objects.create(
        organisation=organisation,
        hash="k" * 64,
        name="ci-runner",
        limit=10.0,
        limit_reset="monthly",
        limit_remaining=1.5,
        created_at=timezone.now(),
        synced_at=timezone.now(),
    )
    now = datetime(2026, 3, 10, tzinfo=UTC)
    fired = alerts_check(organisation, now=now)
    assert sorted(a.threshold for a in fired) == [50, 80]  # 85 % used
    assert alerts_check(organisation, now=now + timedelta(days=3)) == []
    assert len(mail.outbox) == 2
    next_month = alerts_check(organisation, now=datetime(2026, 4, 2, tzinfo=UTC))
    assert sorted(a.threshold for a in next_month) == [50, 80]


def test_thresholds_are_configurable(organisation, admin):
    SpendSettings.objects.create(organisation=organisation, alert_thresholds="90")
    Key.objects.create(
        organisation=organisation,
        hash="k" * 64,
        name="ci-runner",
        limit=10.0,
        limit_remaining=0.5,
        created_at=timezone.now(),
        synced_at=timezone.now(),
    )
    assert [a.threshold for a in alerts_check(organisation)] == [90]


def test_budget_alerts_and_a_members_remaining_allowance(synced, admin):
    key = Key.objects.filter(organisation=synced).exclude(creator_user_id="").first()
    Budget.objects.create(
        organisation=synced,
        kind=Budget.Kind.GUARDRAIL,
        ref="g1",
        name="Team cap",
        limit_usd=Decimal("0.01"),
        interval="",
        member_user_ids=[key.creator_user_id],
        synced_at=timezone.now(),
    )
    (line,) = budget_lines(synced, user_ids={key.creator_user_id})
    assert line.remaining == line.budget.limit_usd - line.spent
    assert line.resets_in is None
    fired = alerts_check(synced)
    assert {a.kind for a in fired} >= {"budget"}
    assert alerts_check(synced) == []


def test_budget_resets_in_counts_to_the_next_utc_window():
    from apps.spend.periods import resets_in

    now = datetime(2026, 3, 4, 22, 0, tzinfo=UTC)  # a Wednesday
    assert resets_in("daily", now) == timedelta(hours=2)
    assert resets_in("weekly", now) == timedelta(days=4, hours=2)
    assert resets_in("monthly", now) == timedelta(days=27, hours=2)
    assert resets_in("", now) is None

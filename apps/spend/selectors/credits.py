"""Credits, burn rate and runway; recent alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Sum

from apps.accounts.models import Organisation
from apps.spend.models import Alert, CreditSnapshot, Dim, SpendRollup
from apps.spend.money import to_dollars
from apps.spend.periods import utc_today
from apps.spend.selectors.common import settings_for
from apps.syncs.selectors import streams_status

# The streams the spend pages read; a banner says when one of them is stale.
PAGE_STREAMS = ["activity", "credits"]


@dataclass
class Runway:
    snapshot: CreditSnapshot | None
    burn_7: Decimal
    burn_30: Decimal
    threshold: Decimal

    @property
    def balance(self) -> Decimal | None:
        return self.snapshot.balance if self.snapshot else None

    @property
    def out_of_credits(self) -> bool:
        return self.balance is not None and self.balance <= 0

    @property
    def days_left(self) -> int | None:
        if self.balance is None or self.burn_7 <= 0 or self.out_of_credits:
            return None
        return int(self.balance / self.burn_7)

    @property
    def low(self) -> bool:
        return self.balance is not None and self.balance < self.threshold


def spend_between(organisation: Organisation, start: date, end: date, **lookups) -> Decimal:
    micros = SpendRollup.objects.filter(
        organisation=organisation, scope="", dim=Dim.ALL, date__range=(start, end), **lookups
    ).aggregate(u=Sum("usage_micros"))["u"]
    return to_dollars(micros or 0)


def runway_get(organisation: Organisation, now: datetime | None = None) -> Runway:
    yesterday = utc_today(now) - timedelta(days=1)
    burn_7 = spend_between(organisation, yesterday - timedelta(days=6), yesterday) / 7
    burn_30 = spend_between(organisation, yesterday - timedelta(days=29), yesterday) / 30
    return Runway(
        snapshot=CreditSnapshot.objects.filter(organisation=organisation).first(),
        burn_7=burn_7,
        burn_30=burn_30,
        threshold=settings_for(organisation).low_balance_threshold,
    )


def credits_latest(organisation: Organisation) -> CreditSnapshot | None:
    return CreditSnapshot.objects.filter(organisation=organisation).first()


def stale_streams(organisation: Organisation, now: datetime | None = None) -> list[str]:
    """The streams the spend pages depend on whose data is older than two intervals."""
    return [s.label for s in streams_status(organisation, PAGE_STREAMS, now) if s.stale]


def alerts_recent(organisation: Organisation, limit: int = 50) -> list[Alert]:
    return list(Alert.objects.filter(organisation=organisation)[:limit])

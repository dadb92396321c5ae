"""Threshold alerts: created once per (subject, threshold, period) and emailed once."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import Membership, Organisation
from apps.accounts.roles import Perm, roles_with
from apps.keys.models import Key
from apps.spend.models import Alert, CreditSnapshot, SpendSettings
from apps.spend.periods import period_key, utc_today
from apps.spend.selectors.budgets import budget_lines


def recipients(organisation: Organisation) -> list[str]:
    """Everyone the role table lets see spend."""
    return sorted(
        Membership.objects.filter(organisation=organisation, role__in=roles_with(Perm.VIEW_SPEND))
        .values_list("user__email", flat=True)
        .distinct()
    )


def alert_raise(
    organisation: Organisation,
    *,
    kind: str,
    subject: str,
    threshold: int,
    period: str,
    message: str,
) -> Alert | None:
    """Record and email an alert, unless this one was already raised in this period."""
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                organisation=organisation,
                kind=kind,
                subject=subject[:200],
                threshold=threshold,
                period=period,
                message=message[:300],
            )
    except IntegrityError:
        return None
    to = recipients(organisation)
    if to:
        send_mail(
            f"[{organisation.name}] {message}"[:150],
            f"{message}\n\nSee the spend pages of the console for details.",
            settings.DEFAULT_FROM_EMAIL,
            to,
        )
    Alert.objects.filter(pk=alert.pk).update(emailed_to=len(to))
    return alert


def crossed(percent: Decimal, thresholds: list[int]) -> list[int]:
    return [t for t in thresholds if percent >= t]


def alerts_check(organisation: Organisation, *, now: datetime | None = None) -> list[Alert]:
    now = now or timezone.now()
    today = utc_today(now)
    conf, _ = SpendSettings.objects.get_or_create(organisation=organisation)
    raised: list[Alert | None] = []
    snapshot = CreditSnapshot.objects.filter(organisation=organisation).first()
    if snapshot is not None and snapshot.balance < conf.low_balance_threshold:
        raised.append(
            alert_raise(
                organisation,
                kind=Alert.Kind.LOW_CREDITS,
                subject="credits",
                threshold=0,
                period=today.isoformat(),
                message=f"Credits are low: ${snapshot.balance:.2f} left (threshold ${conf.low_balance_threshold:.2f}).",
            )
        )
    for key in Key.objects.filter(organisation=organisation, limit__gt=0):
        # The mirror stores floats; money math is done in Decimal from their repr.
        limit = Decimal(str(key.limit))
        percent = key.window_usage_exact / limit * 100
        for threshold in crossed(percent, conf.thresholds):
            raised.append(
                alert_raise(
                    organisation,
                    kind=Alert.Kind.KEY_LIMIT,
                    subject=key.hash,
                    threshold=threshold,
                    period=period_key(key.limit_reset, today),
                    message=f"Key “{key.name}” has used {percent:.0f}% of its ${limit:.2f} limit (≥ {threshold}%).",
                )
            )
    for line in budget_lines(organisation, now=now):
        for threshold in crossed(line.percent, conf.thresholds):
            raised.append(
                alert_raise(
                    organisation,
                    kind=Alert.Kind.BUDGET,
                    subject=f"{line.budget.ref}:{line.subject}",
                    threshold=threshold,
                    period=period_key(line.budget.interval, today),
                    message=f"Budget “{line.budget.name}” for {line.subject} is at {line.percent:.0f}% (≥ {threshold}%).",
                )
            )
    return [a for a in raised if a is not None]

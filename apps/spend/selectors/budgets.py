"""Budgets (synced by the budgets stream) against local spend, in upstream's UTC windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from apps.accounts.models import Organisation
from apps.keys.models import Key
from apps.members.selectors import people_labels
from apps.spend.models import Budget
from apps.spend.periods import resets_in, utc_today
from apps.spend.spent import spent_in_window


@dataclass
class BudgetLine:
    budget: Budget
    subject: str
    spent: Decimal
    resets_in: timedelta | None
    subject_label: str = ""

    @property
    def remaining(self) -> Decimal:
        return self.budget.limit_usd - self.spent

    @property
    def percent(self) -> Decimal:
        if not self.budget.limit_usd:
            return Decimal(0)
        return self.spent / self.budget.limit_usd * 100


def budget_lines(
    organisation: Organisation, *, user_ids: set[str] | None = None, now: datetime | None = None
) -> list[BudgetLine]:
    """Each workspace budget, and each guardrail budget per assigned member (their
    remaining allowance across all their keys). ``user_ids`` limits to those members."""
    now = now or timezone.now()
    people = people_labels(organisation)
    lines = []
    for budget in Budget.objects.filter(organisation=organisation):
        if budget.kind == Budget.Kind.WORKSPACE:
            if user_ids is not None:
                continue
            spent = spent_in_window(
                organisation,
                budget.interval,
                budget.include_byok,
                utc_today(now),
                workspace_id=budget.workspace_id,
            )
            lines.append(
                BudgetLine(budget, budget.name, spent, resets_in(budget.interval, now), "Workspace")
            )
            continue
        for user_id in budget.member_user_ids:
            if user_ids is not None and user_id not in user_ids:
                continue
            keys = Key.objects.filter(organisation=organisation, creator_user_id=user_id)
            spent = spent_in_window(
                organisation,
                budget.interval,
                budget.include_byok,
                utc_today(now),
                key_hash__in=list(keys.values_list("hash", flat=True)),
            )
            label = people.get(user_id, user_id)
            lines.append(BudgetLine(budget, user_id, spent, resets_in(budget.interval, now), label))
    return lines

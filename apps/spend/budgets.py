"""Budgets: synced from upstream, compared with local spend (UTC windows, like upstream)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.accounts.models import Organisation
from apps.gateway import account as gateway_account
from apps.gateway import budgets as gateway_budgets
from apps.keys.models import Key
from apps.spend.models import Budget, SpendFact
from apps.spend.money import to_dollars
from apps.spend.periods import resets_in, utc_today, window_start


def budgets_sync(organisation: Organisation, result):
    """Workspace budgets (one call per workspace) and guardrail budgets with their members."""
    now = timezone.now()
    result.calls += 1
    workspaces = gateway_account.workspaces_list(organisation)
    found: list[Budget] = []
    for ws in workspaces:
        result.calls += 1
        for b in gateway_budgets.workspace_budgets_list(organisation, str(ws.id)):
            found.append(
                Budget(
                    kind=Budget.Kind.WORKSPACE,
                    ref=str(b.id),
                    name=f"{ws.name} ({b.reset_interval or 'lifetime'})",
                    workspace_id=str(ws.id),
                    limit_usd=Decimal(str(b.limit_usd)),
                    interval=b.reset_interval or "",
                    include_byok=bool(getattr(ws, "include_byok_in_budgets", False)),
                )
            )
    result.calls += 2
    assignments = gateway_budgets.guardrail_member_assignments(organisation)
    members_of: dict[str, list[str]] = {}
    for a in assignments:
        members_of.setdefault(str(a.guardrail_id), []).append(str(a.user_id))
    for g in gateway_budgets.guardrails_list(organisation):
        if g.limit_usd is None:
            continue
        found.append(
            Budget(
                kind=Budget.Kind.GUARDRAIL,
                ref=str(g.id),
                name=g.name,
                workspace_id=str(g.workspace_id or ""),
                limit_usd=Decimal(str(g.limit_usd)),
                interval=g.reset_interval or "",
                include_byok=bool(g.include_byok_in_budgets),
                member_user_ids=sorted(members_of.get(str(g.id), [])),
            )
        )
    with transaction.atomic():
        Budget.objects.filter(organisation=organisation).exclude(
            ref__in=[b.ref for b in found]
        ).delete()
        for b in found:
            Budget.objects.update_or_create(
                organisation=organisation,
                kind=b.kind,
                ref=b.ref,
                defaults={
                    "name": b.name,
                    "workspace_id": b.workspace_id,
                    "limit_usd": b.limit_usd,
                    "interval": b.interval,
                    "include_byok": b.include_byok,
                    "member_user_ids": b.member_user_ids,
                    "synced_at": now,
                },
            )
    result.rows += len(found)
    from apps.spend.alerts import alerts_check

    alerts_check(organisation)
    return result


@dataclass
class BudgetLine:
    budget: Budget
    subject: str
    spent: Decimal
    resets_in: timedelta | None

    @property
    def remaining(self) -> Decimal:
        return self.budget.limit_usd - self.spent

    @property
    def percent(self) -> Decimal:
        if not self.budget.limit_usd:
            return Decimal(0)
        return self.spent / self.budget.limit_usd * 100


def _spent(organisation, interval: str, include_byok: bool, now, **lookups) -> Decimal:
    start = window_start(interval, utc_today(now))
    qs = SpendFact.objects.filter(organisation=organisation, **lookups)
    if start is not None:
        qs = qs.filter(date__gte=start)
    sums = qs.aggregate(u=Sum("usage_micros"), b=Sum("byok_micros"))
    return to_dollars((sums["u"] or 0) + ((sums["b"] or 0) if include_byok else 0))


def budget_lines(
    organisation: Organisation, *, user_ids: set[str] | None = None, now: datetime | None = None
) -> list[BudgetLine]:
    """Each workspace budget, and each guardrail budget per assigned member (their
    remaining allowance across all their keys). ``user_ids`` limits to those members."""
    now = now or timezone.now()
    lines = []
    for budget in Budget.objects.filter(organisation=organisation):
        if budget.kind == Budget.Kind.WORKSPACE:
            if user_ids is not None:
                continue
            spent = _spent(
                organisation,
                budget.interval,
                budget.include_byok,
                now,
                workspace_id=budget.workspace_id,
            )
            lines.append(BudgetLine(budget, budget.name, spent, resets_in(budget.interval, now)))
            continue
        for user_id in budget.member_user_ids:
            if user_ids is not None and user_id not in user_ids:
                continue
            keys = Key.objects.filter(organisation=organisation, creator_user_id=user_id)
            spent = _spent(
                organisation,
                budget.interval,
                budget.include_byok,
                now,
                key_hash__in=list(keys.values_list("hash", flat=True)),
            )
            lines.append(BudgetLine(budget, user_id, spent, resets_in(budget.interval, now)))
    return lines

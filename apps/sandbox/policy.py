"""The policy in force for one API key: its guardrails, budget layers and data regions.

One computation serves three readers, so what is reported and what is enforced agree:
``enforcement.py`` (which refuses requests), ``GET /key`` (``budgets``,
``effective_budget``, ``allowed_data_regions``) and ``/models/user``.

Guardrails apply in upstream's order: the workspace's default guardrail (once materialised
by a PATCH or the seed), the guardrail of the member who created the key, the key's own.
Budget layers are checked in this order (spend-controls guide: workspace budgets first,
then the default guardrail, then the others), each against its own counter:

========================== ====================================================== =========
scope                      spend counted                                          refusal
========================== ====================================================== =========
workspace                  every key of the workspace, in the budget's window     403
workspace_default_member   the key creator's keys in this workspace               403
workspace_default_key      this key                                               403
member                     the key creator's keys in every workspace              403
api_key                    this key                                               403
key_limit                  this key, in its ``limit_reset`` window                402
========================== ====================================================== =========

A layer blocks when its spend has met or exceeded its limit (``remaining_usd <= 0``),
never on an estimate of the next request (workspace budgets guide: "met or exceeded";
in-flight requests may overshoot). BYOK spend counts when the layer's flag says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

from django.db.models import Sum

from apps.sandbox.models import (
    Account,
    ActivityRecord,
    ApiKey,
    ByokKey,
    Guardrail,
    GuardrailKeyAssignment,
    GuardrailMemberAssignment,
    WorkspaceBudget,
)
from apps.sandbox.models.management import BUDGET_INTERVALS
from apps.sandbox.usage import utc_today, window_start

GUARDRAIL_SCOPES = ("workspace_default", "member", "api_key")  # checking order
BUDGET_SCOPES = (
    "workspace",
    "workspace_default_member",
    "workspace_default_key",
    "member",
    "api_key",
    "key_limit",
)
# Every sandbox account is entitled to in-region routing (Business/Enterprise).
ENTITLED_REGIONS = ("global", "europe", "us")


def applicable_guardrails(account: Account, key: ApiKey) -> list[tuple[str, Guardrail]]:
    """``(scope, guardrail)`` in force for ``key``, in checking order."""
    found: list[tuple[str, Guardrail]] = []
    default = Guardrail.objects.filter(
        account=account, id=key.workspace.default_guardrail_id
    ).first()
    if default is not None:
        found.append(("workspace_default", default))
    if key.creator_user_id:
        member_link = (
            GuardrailMemberAssignment.objects.filter(account=account, user_id=key.creator_user_id)
            .select_related("guardrail")
            .first()
        )
        if member_link is not None:
            found.append(("member", member_link.guardrail))
    link = GuardrailKeyAssignment.objects.filter(key=key).select_related("guardrail").first()
    if link is not None:
        found.append(("api_key", link.guardrail))
    return found


def next_reset(interval: str | None, today: date) -> datetime | None:
    """When a UTC window rolls over (weeks start Monday); None for a lifetime budget."""
    if interval == "daily":
        day = today + timedelta(days=1)
    elif interval == "weekly":
        day = today + timedelta(days=7 - today.weekday())
    elif interval == "monthly":
        day = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    else:
        return None
    return datetime.combine(day, time.min, tzinfo=UTC)


def _spend(account: Account, since: date | None, *, byok: bool, **match) -> float:
    rows = ActivityRecord.objects.filter(account=account, **match)
    if since is not None:
        rows = rows.filter(date__gte=since)
    totals = rows.aggregate(
        usage=Sum("usage", default=0.0), byok=Sum("byok_usage_inference", default=0.0)
    )
    # Rounded once, here, so the reported and the enforced numbers are the same numbers.
    return round(float(totals["usage"]) + (float(totals["byok"]) if byok else 0.0), 10)


def _entry(
    scope: str,
    *,
    limit: float,
    spend: float,
    interval: str | None,
    include_byok: bool,
    today: date,
    guardrail_id=None,
    budget_id=None,
) -> dict:
    """One layer as the SDK's ``KeyBudget`` names it."""
    resets = next_reset(interval, today)
    return {
        "scope": scope,
        "budget_id": str(budget_id) if budget_id else None,
        "guardrail_id": str(guardrail_id) if guardrail_id else None,
        "limit_usd": float(limit),
        "spend_usd": spend,
        "remaining_usd": round(float(limit) - spend, 10),
        "reset_interval": interval,
        "resets_at": resets.isoformat() if resets else None,
        "include_byok": include_byok,
    }


def effective_budget(budgets: list[dict]) -> dict | None:
    """The layer that blocks first: the first spent one, else the least remaining."""
    if not budgets:
        return None
    spent = [b for b in budgets if b["remaining_usd"] <= 0]
    if spent:
        return spent[0]
    return min(budgets, key=lambda b: b["remaining_usd"])  # min keeps the first of ties


@dataclass
class KeyPolicy:
    """Everything enforcement needs to know about one key, loaded once per request."""

    account: Account
    key: ApiKey

    @cached_property
    def guardrails(self) -> list[tuple[str, Guardrail]]:
        return applicable_guardrails(self.account, self.key)

    @cached_property
    def credentials(self) -> list[ByokKey]:
        """The account's live BYOK credentials (``routing.pool`` picks those that apply)."""
        return list(ByokKey.objects.filter(account=self.account, deleted_at__isnull=True))

    # --- data regions -----------------------------------------------------------------

    def allowed_regions(self) -> list[str]:
        """The entitlement intersected with every guardrail that sets a region list."""
        allowed = list(ENTITLED_REGIONS)
        for _scope, g in self.guardrails:
            regions = (g.policy or {}).get("allowed_data_regions")
            if regions is not None:
                allowed = [r for r in allowed if r in regions]
        return allowed

    def region_blocker(self, region: str) -> tuple[str, Guardrail] | None:
        """The first guardrail whose region list excludes ``region``."""
        for scope, g in self.guardrails:
            regions = (g.policy or {}).get("allowed_data_regions")
            if regions is not None and region not in regions:
                return scope, g
        return None

    # --- budget layers ----------------------------------------------------------------

    def budgets(self, today: date | None = None) -> list[dict]:
        """Every budget layer that applies to the key, in enforcement order."""
        today = today or utc_today()
        key, account, ws = self.key, self.account, self.key.workspace
        entries = []
        by_interval = {b.interval: b for b in WorkspaceBudget.objects.filter(workspace=ws)}
        for interval in BUDGET_INTERVALS:  # broadest first: a refusal names the broadest
            budget = by_interval.get(interval)
            if budget is None:
                continue
            window = None if interval == "lifetime" else interval
            entries.append(
                _entry(
                    "workspace",
                    limit=budget.limit_usd,
                    spend=_spend(
                        account,
                        window_start(window, today),
                        byok=ws.include_byok_in_budgets,
                        workspace=ws,
                    ),
                    interval=window,
                    include_byok=ws.include_byok_in_budgets,
                    today=today,
                    budget_id=budget.id,
                )
            )
        for scope, g in self.guardrails:
            if g.limit_usd is None:
                continue
            since = window_start(g.reset_interval, today)
            layers = []
            if scope == "workspace_default":
                if key.creator_user_id:
                    member = {"user_id": key.creator_user_id, "workspace": ws}
                    layers.append(("workspace_default_member", member))
                layers.append(("workspace_default_key", {"key_hash": key.hash}))
            elif scope == "member":
                layers.append(("member", {"user_id": key.creator_user_id}))
            else:
                layers.append(("api_key", {"key_hash": key.hash}))
            for layer_scope, match in layers:
                entries.append(
                    _entry(
                        layer_scope,
                        limit=g.limit_usd,
                        spend=_spend(account, since, byok=g.include_byok_in_budgets, **match),
                        interval=g.reset_interval,
                        include_byok=g.include_byok_in_budgets,
                        today=today,
                        guardrail_id=g.id,
                    )
                )
        if key.limit is not None:
            window = key.limit_reset if key.limit_reset in ("daily", "weekly", "monthly") else None
            entries.append(
                _entry(
                    "key_limit",
                    limit=key.limit,
                    spend=_spend(
                        account,
                        window_start(window, today),
                        byok=key.include_byok_in_limit,
                        key_hash=key.hash,
                    ),
                    interval=window,
                    include_byok=key.include_byok_in_limit,
                    today=today,
                )
            )
        return entries


__all__ = [
    "BUDGET_SCOPES",
    "ENTITLED_REGIONS",
    "GUARDRAIL_SCOPES",
    "KeyPolicy",
    "applicable_guardrails",
    "effective_budget",
    "next_reset",
]

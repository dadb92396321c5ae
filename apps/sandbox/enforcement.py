"""Whether an inference request may run: guardrails, workspace budgets, key limit, credits.

Called by inference (``metering.py``) before it serves a request. Order and statuses
follow upstream: policy violations and exhausted guardrail/workspace budgets are **403**
(``permission_denied``); the key's own limit and the account balance are **402**.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Sum

from apps.sandbox.catalog import MODELS, MODELS_BY_ID
from apps.sandbox.http import ApiError, Caller
from apps.sandbox.models import (
    Account,
    ActivityRecord,
    ApiKey,
    Guardrail,
    GuardrailKeyAssignment,
    GuardrailMemberAssignment,
    WorkspaceBudget,
)
from apps.sandbox.usage import key_usage, limit_remaining, total_usage, utc_today, window_start

_BY_PERMASLUG = {m.permaslug: m for m in MODELS}


def _forbidden(message: str, **metadata) -> ApiError:
    return ApiError(403, message, metadata={"error_type": "permission_denied", **metadata})


def _model_names(model_id: str) -> set[str]:
    """Every name a guardrail list may use for this model (slug and permaslug)."""
    model = MODELS_BY_ID.get(model_id) or _BY_PERMASLUG.get(model_id)
    return {model_id} if model is None else {model.id, model.permaslug}


def _model_provider(model_id: str) -> str | None:
    model = MODELS_BY_ID.get(model_id) or _BY_PERMASLUG.get(model_id)
    return model.provider if model else None


def _spend(account: Account, since: date | None, *, byok: bool, **match) -> float:
    rows = ActivityRecord.objects.filter(account=account, **match)
    if since is not None:
        rows = rows.filter(date__gte=since)
    totals = rows.aggregate(
        usage=Sum("usage", default=0.0), byok=Sum("byok_usage_inference", default=0.0)
    )
    return float(totals["usage"]) + (float(totals["byok"]) if byok else 0.0)


def applicable_guardrails(account: Account, key: ApiKey) -> list[tuple[str, Guardrail]]:
    """``(scope, guardrail)`` pairs in force for ``key``: its own, its creator's, and the
    workspace default (only once materialised by a PATCH or the seed)."""
    found: list[tuple[str, Guardrail]] = []
    link = GuardrailKeyAssignment.objects.filter(key=key).select_related("guardrail").first()
    if link is not None:
        found.append(("api_key", link.guardrail))
    if key.creator_user_id:
        member_link = (
            GuardrailMemberAssignment.objects.filter(account=account, user_id=key.creator_user_id)
            .select_related("guardrail")
            .first()
        )
        if member_link is not None:
            found.append(("member", member_link.guardrail))
    default = Guardrail.objects.filter(
        account=account, id=key.workspace.default_guardrail_id
    ).first()
    if default is not None:
        found.append(("workspace_default_key", default))
    return found


def _check_guardrail(
    account: Account, key: ApiKey, scope: str, guardrail: Guardrail, model_id: str, cost: float
) -> None:
    names = _model_names(model_id)
    provider = _model_provider(model_id)
    if guardrail.allowed_models is not None and not names & set(guardrail.allowed_models):
        raise _forbidden(
            f"Model {model_id} is not allowed by guardrail {guardrail.name}",
            guardrail_id=str(guardrail.id),
        )
    if guardrail.ignored_models and names & set(guardrail.ignored_models):
        raise _forbidden(
            f"Model {model_id} is blocked by guardrail {guardrail.name}",
            guardrail_id=str(guardrail.id),
        )
    if provider is not None:
        allowed = guardrail.allowed_providers
        if allowed is not None and provider not in allowed:
            raise _forbidden(
                f"Provider {provider} is not allowed by guardrail {guardrail.name}",
                guardrail_id=str(guardrail.id),
            )
        if guardrail.ignored_providers and provider in guardrail.ignored_providers:
            raise _forbidden(
                f"Provider {provider} is blocked by guardrail {guardrail.name}",
                guardrail_id=str(guardrail.id),
            )
    if guardrail.limit_usd is None:
        return
    since = window_start(guardrail.reset_interval, utc_today())
    # Budgets count per key and per member, never pooled across them.
    match = {"user_id": key.creator_user_id} if scope == "member" else {"key_hash": key.hash}
    spent = _spend(account, since, byok=guardrail.include_byok_in_budgets, **match)
    if spent >= guardrail.limit_usd or spent + cost > guardrail.limit_usd:
        interval = guardrail.reset_interval or "lifetime"
        raise _forbidden(
            f"Guardrail {guardrail.name} {interval} budget of ${guardrail.limit_usd:g} "
            "is exhausted",
            guardrail_id=str(guardrail.id),
        )


def check_workspace_budgets(account: Account, key: ApiKey, cost: float) -> None:
    budgets = {b.interval: b for b in WorkspaceBudget.objects.filter(workspace=key.workspace)}
    if not budgets:
        return
    byok = key.workspace.include_byok_in_budgets
    today = utc_today()
    for interval in ("lifetime", "monthly", "weekly", "daily"):  # broadest first
        budget = budgets.get(interval)
        if budget is None:
            continue
        since = window_start(None if interval == "lifetime" else interval, today)
        spent = _spend(account, since, byok=byok, workspace=key.workspace)
        if spent >= budget.limit_usd or spent + cost > budget.limit_usd:
            raise _forbidden(
                f"Workspace {key.workspace.slug} {interval} budget of "
                f"${budget.limit_usd:g} is exhausted",
                budget_id=str(budget.id),
            )


def check_inference_allowed(
    account: Account, key: ApiKey, model_id: str, cost_estimate: float = 0.0
) -> None:
    """Raise ``ApiError`` (403 or 402) when ``key`` may not run ``model_id`` now.

    ``model_id`` may be a slug (``openai/gpt-4.1``) or a permaslug; ``cost_estimate``
    (USD, may be 0) is added to current spend when checking budgets and credits.
    """
    if key.is_management:
        raise ApiError(403, "Management keys cannot be used for inference")
    for scope, guardrail in applicable_guardrails(account, key):
        _check_guardrail(account, key, scope, guardrail, model_id, cost_estimate)
    check_workspace_budgets(account, key, cost_estimate)
    if key.limit is not None:
        remaining = limit_remaining(key, key_usage(account, [key.hash])[key.hash])
        if remaining is not None and (remaining <= 0 or cost_estimate > remaining):
            raise ApiError(
                402,
                "Key limit exceeded. Raise the key's limit or wait for it to reset.",
                metadata={"limit_source": "openrouter_key_limit"},
            )
    balance = float(account.total_credits) - total_usage(account)
    if balance <= 0 or cost_estimate > balance:
        raise ApiError(402, metadata={"limit_source": "openrouter_credits"})


def check_inference(caller: Caller, model_id: str, cost_estimate: float = 0.0) -> None:
    """The same check, for a view that holds a ``Caller``."""
    check_inference_allowed(caller.account, caller.key, model_id, cost_estimate)


__all__ = [
    "applicable_guardrails",
    "check_inference",
    "check_inference_allowed",
    "check_workspace_budgets",
]

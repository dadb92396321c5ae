"""Whether an inference request may run, and where: every policy layer, in upstream's order.

:func:`evaluate` reads (never writes) and answers either a :class:`Route` (the endpoint copy
that serves) or the first :class:`Refusal`, checking in this order:

1. **data region** — the domain the request came through must be in the intersection of
   the guardrails' ``allowed_data_regions`` → 403 (in-region routing guide: rejected
   "before any inference or endpoint selection");
2. **budgets** — ``policy.KeyPolicy.budgets`` in order: workspace budgets (broadest
   interval first), the default guardrail per member then per key, the member guardrail,
   the key's guardrail → 403; the key's own limit → 402 ``openrouter_key_limit``. The
   metadata is the blocking layer exactly as ``GET /key`` reports it;
3. **balance** — no credit left → 402 ``openrouter_credits``;
4. **access** — per guardrail in order (default, member, key): model allowlist and
   ignore list → 403; provider allow/ignore lists and ZDR for the model's group remove
   endpoint copies; the guardrail that removes the last copy is named → 403;
5. **routing** — shared endpoints outside the request's region go (fails closed → 404),
   then the request's ``provider`` preferences (→ 404 "No endpoints found matching your
   data policy (…)"), then the copies are tried in order (all failing → 502);
6. **in-flight estimate** — a request not served by BYOK whose estimated token cost
   exceeds the balance → 402 ``openrouter_credits`` / ``weight_exceeds_budget``;
7. **content filters** — a matching ``block`` filter → 403 (redaction happened earlier,
   see ``content_filters.screened``).

``GET /key``, ``/models/user`` and this module share ``policy.KeyPolicy``, so a console can
predict every refusal from what the API reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.sandbox import routing
from apps.sandbox.catalog import MODELS_BY_ID, CatalogModel, find_model
from apps.sandbox.http import ApiError, Caller
from apps.sandbox.models import Account, ApiKey
from apps.sandbox.policy import KeyPolicy, applicable_guardrails
from apps.sandbox.usage import total_usage

CREDITS_MESSAGE = "Insufficient credits. Add more using https://openrouter.ai/credits"
_REMEDY = {
    "openrouter_credits": "Add credits at https://openrouter.ai/settings/credits.",
    "openrouter_key_limit": "Raise this API key's credit limit or wait for it to reset "
    "(see limit_reset in GET /api/v1/key).",
}
_SCOPE_WORDS = {
    "workspace_default_member": "per member",
    "workspace_default_key": "per API key",
    "member": "per member",
    "api_key": "for this API key",
}


@dataclass(frozen=True)
class Refusal:
    """A refused request: its status, message and ``error.metadata``; ``stage`` says which
    step of the order refused (region, budget, credits, access, routing, estimate, content)."""

    status: int
    message: str
    metadata: dict
    stage: str

    def error(self) -> ApiError:
        return ApiError(self.status, self.message, metadata=self.metadata)


@dataclass(frozen=True)
class Inquiry:
    """What enforcement needs to know about the request itself."""

    model: CatalogModel
    region: str = "global"
    preferences: routing.Preferences = field(default_factory=routing.Preferences)
    failing: frozenset[str] = frozenset()
    estimate: float = 0.0  # USD, token prices only (the in-flight rule)
    content_block: tuple[str, dict] | None = None  # a content filter's (message, metadata)


@dataclass(frozen=True)
class Route:
    """The endpoint copy that serves, every attempt made, and the request's data region."""

    candidate: routing.Candidate
    attempts: list = field(default_factory=list)
    region: str = "global"


def _forbidden(message: str, stage: str, **metadata) -> Refusal:
    return Refusal(403, message, {"error_type": "permission_denied", **metadata}, stage)


def _region_refusal(policy: KeyPolicy, region: str, scope: str, guardrail) -> Refusal:
    allowed = policy.allowed_regions()
    if allowed:
        message = (
            f"This API key may only be used through the {', '.join(allowed)} data "
            f"region{'s' if len(allowed) > 1 else ''}; this request arrived through {region}"
        )
    else:
        message = (
            "No data region is allowed for this API key: its guardrails' "
            "allowed_data_regions do not intersect"
        )
    return _forbidden(
        message,
        "region",
        reason="data_region_not_allowed",
        data_region=region,
        allowed_data_regions=allowed,
        scope=scope,
        guardrail_id=str(guardrail.id),
    )


def _budget_refusal(entry: dict, names: dict) -> Refusal:
    interval = entry["reset_interval"] or "lifetime"
    amount = f"${entry['limit_usd']:,.2f}"
    scope = entry["scope"]
    if scope == "key_limit":
        return Refusal(
            402,
            "Key limit exceeded",
            {
                "error_type": "payment_required",
                "limit_source": "openrouter_key_limit",
                "remedy_hint": _REMEDY["openrouter_key_limit"],
                **entry,
            },
            "budget",
        )
    if scope == "workspace":
        message = f"Workspace {interval} budget of {amount} exceeded. Contact your workspace admin."
        source = "openrouter_workspace_budget"
    else:
        owner = (
            "Workspace default guardrail"
            if scope.startswith("workspace_default")
            else f"Guardrail {names.get(entry['guardrail_id'], '')}"
        )
        message = (
            f"{owner} {interval} budget of {amount} {_SCOPE_WORDS[scope]} exceeded. "
            "Contact your workspace admin."
        )
        source = "openrouter_guardrail_budget"
    return _forbidden(message, "budget", limit_source=source, **entry)


def _credits_refusal(**extra) -> Refusal:
    return Refusal(
        402,
        CREDITS_MESSAGE,
        {
            "error_type": "payment_required",
            "limit_source": "openrouter_credits",
            "remedy_hint": _REMEDY["openrouter_credits"],
            **extra,
        },
        "credits",
    )


def _model_names(model: CatalogModel) -> set[str]:
    return {model.id, model.permaslug}


def guarded_pool(policy: KeyPolicy, model: CatalogModel) -> list[routing.Candidate] | Refusal:
    """The endpoint copies every applicable guardrail leaves for ``model`` (step 4)."""
    copies = routing.pool(model, policy.key, policy.credentials)
    names = _model_names(model)
    group = routing.model_group(model)
    for scope, g in policy.guardrails:
        meta = {"scope": scope, "guardrail_id": str(g.id)}
        if g.allowed_models is not None and not names & set(g.allowed_models):
            return _forbidden(
                f"Model {model.id} is not allowed by guardrail {g.name}",
                "access",
                reason="model_not_allowed",
                **meta,
            )
        if g.ignored_models and names & set(g.ignored_models):
            return _forbidden(
                f"Model {model.id} is blocked by guardrail {g.name}",
                "access",
                reason="model_ignored",
                **meta,
            )
        if g.allowed_providers is not None:
            copies = [c for c in copies if c.provider in g.allowed_providers]
        if g.ignored_providers:
            copies = [c for c in copies if c.provider not in g.ignored_providers]
        if not copies:
            return _forbidden(
                f"No allowed providers are available for model {model.id} under guardrail {g.name}",
                "access",
                reason="provider_not_allowed",
                **meta,
            )
        if zdr_enforced(g, group):
            copies = [c for c in copies if c.zdr]
            if not copies:
                return _forbidden(
                    f"No zero data retention endpoint is available for model {model.id}: "
                    f"guardrail {g.name} enforces ZDR for {group} models",
                    "access",
                    reason="zdr_required",
                    **meta,
                )
    return copies


def zdr_enforced(guardrail, group: str) -> bool:
    """ZDR for one model group; the deprecated ``enforce_zdr`` fills unset groups."""
    policy = guardrail.policy or {}
    value = policy.get(f"enforce_zdr_{group}")
    return bool(policy.get("enforce_zdr") if value is None else value)


def accessible(policy: KeyPolicy, model: CatalogModel, region: str = "global") -> bool:
    """Whether the key's guardrails and the region leave ``model`` an endpoint
    (``/models/user``)."""
    copies = guarded_pool(policy, model)
    return not isinstance(copies, Refusal) and any(c.serves(region) for c in copies)


def evaluate(policy: KeyPolicy, inquiry: Inquiry) -> Route | Refusal:
    """The route that serves the request, or the first refusal, in upstream's order."""
    key, model, region = policy.key, inquiry.model, inquiry.region
    if key.is_management:
        return _forbidden("Management keys cannot be used for inference", "key")
    # 1. the domain the request arrived through
    if (blocker := policy.region_blocker(region)) is not None:
        return _region_refusal(policy, region, *blocker)
    # 2. budget layers
    names = {str(g.id): g.name for _scope, g in policy.guardrails}
    for entry in policy.budgets():
        if entry["remaining_usd"] <= 0:
            return _budget_refusal(entry, names)
    # 3. the account's balance
    balance = float(policy.account.total_credits) - total_usage(policy.account)
    if balance <= 0:
        return _credits_refusal()
    # 4. guardrail access
    copies = guarded_pool(policy, model)
    if isinstance(copies, Refusal):
        return copies
    # 5. routing: region, the request's preferences, providers that fail
    copies = [c for c in copies if c.serves(region)]
    if not copies:
        return Refusal(
            404,
            f"No endpoints found for model {model.id} in the {region} data region",
            {"error_type": "not_found", "reason": "no_endpoint_in_region", "data_region": region},
            "routing",
        )
    copies, removed_by = routing.apply_preferences(copies, inquiry.preferences)
    if not copies:
        return Refusal(
            404,
            f"No endpoints found matching your data policy ({removed_by})",
            {"error_type": "not_found", "reason": "provider_preferences"},
            "routing",
        )
    served, attempts = routing.attempt(copies, inquiry.failing)
    if served is None:
        return Refusal(
            502,
            "Provider returned error",
            {"error_type": "provider_unavailable", "provider_name": attempts[-1]["provider_name"]},
            "routing",
        )
    # 6. the in-flight estimate (BYOK requests are not held against credits)
    if not served.is_byok and inquiry.estimate > balance:
        return Refusal(
            402,
            "This request's estimated cost exceeds your available credits. "
            "Lower max_tokens or the prompt size, or add credits.",
            {
                "error_type": "payment_required",
                "limit_source": "openrouter_credits",
                "reason": "weight_exceeds_budget",
                "remedy_hint": "Lower max_tokens or the prompt size, or add credits.",
            },
            "estimate",
        )
    # 7. content filters
    if inquiry.content_block is not None:
        message, metadata = inquiry.content_block
        return Refusal(403, message, metadata, "content")
    return Route(candidate=served, attempts=attempts, region=region)


# --- compatibility entry points -------------------------------------------------------------


def check_inference_allowed(
    account: Account, key: ApiKey, model_id: str, cost_estimate: float = 0.0
) -> Route:
    """Raise ``ApiError`` when ``key`` may not run ``model_id`` now (global region, no
    preferences); ``model_id`` may be a slug or a permaslug. Returns the route."""
    model = MODELS_BY_ID.get(model_id) or find_model(model_id)
    if model is None:
        raise ApiError(404, f"Model {model_id} not found", metadata={"error_type": "not_found"})
    verdict = evaluate(KeyPolicy(account, key), Inquiry(model=model, estimate=cost_estimate))
    if isinstance(verdict, Refusal):
        raise verdict.error()
    return verdict


def check_inference(caller: Caller, model_id: str, cost_estimate: float = 0.0) -> Route:
    """The same check, for a view that holds a ``Caller``."""
    return check_inference_allowed(caller.account, caller.key, model_id, cost_estimate)


def check_workspace_budgets(account: Account, key: ApiKey, cost: float = 0.0) -> None:
    """Raise the 403 of the broadest exhausted workspace budget of ``key``'s workspace."""
    for entry in KeyPolicy(account, key).budgets():
        if entry["scope"] == "workspace" and entry["remaining_usd"] <= 0:
            raise _budget_refusal(entry, {}).error()


__all__ = [
    "Inquiry",
    "Refusal",
    "Route",
    "accessible",
    "applicable_guardrails",
    "check_inference",
    "check_inference_allowed",
    "check_workspace_budgets",
    "evaluate",
    "guarded_pool",
    "zdr_enforced",
]

"""The effective policy of a key (or a member), computed from the local mirrors only.

Upstream spreads the answer over five layers; this combines them the way upstream enforces
them (``../shared/reference/openrouter-semantics.md`` §3.1, §3.4-3.5):

- guardrails apply in this order: the workspace's default guardrail, the guardrail of the
  member who created the key, the key's own (one per key and per member);
- allowlists (models, providers) and data regions intersect; ignored lists add up;
- zero data retention is OR-ed per model group (``enforce_zdr`` is the default of unset ones);
- content filters union, the strictest action winning (block beats redact beats flag);
- budgets are checked separately, each against its own counter, in the order
  workspace → workspace default (member, then key) → member → key guardrail → key limit;
  the first one spent blocks; otherwise the one with least remaining will block first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from apps.catalog.selectors import models_lookup
from apps.core.periods import resets_at, utc_today
from apps.guardrails.models import Guardrail, GuardrailKeyAssignment, GuardrailMemberAssignment
from apps.keys.models import Key
from apps.spend.models import Budget
from apps.spend.spent import spent_in_window
from apps.workspaces.models import Workspace

ENTITLED_REGIONS = ("global", "europe", "us")
ZDR_GROUPS = ("anthropic", "google", "openai", "xai", "other")
STRICTNESS = {"flag": 0, "redact": 1, "block": 2}
SCOPE_LABELS = {
    "workspace": "workspace budget",
    "workspace_default_member": "workspace default guardrail (per member)",
    "workspace_default_key": "workspace default guardrail (per key)",
    "member": "member guardrail",
    "api_key": "key guardrail",
    "key_limit": "key limit",
}
GUARDRAIL_LABELS = {
    "workspace_default": "workspace default guardrail",
    "member": "member guardrail",
    "api_key": "key guardrail",
}


@dataclass
class BudgetLayer:
    scope: str
    limit: Decimal
    spent: Decimal
    interval: str  # "" = lifetime
    include_byok: bool
    guardrail: Guardrail | None = None
    resets: datetime | None = None
    blocks_first: bool = False

    @property
    def remaining(self) -> Decimal:
        return self.limit - self.spent

    @property
    def label(self) -> str:
        return SCOPE_LABELS[self.scope]


@dataclass
class Filter:
    entity: str  # "builtin:<slug>" or "pattern:<regex>"
    action: str
    sources: list[str] = field(default_factory=list)


@dataclass
class Policy:
    layers: list[tuple[str, Guardrail]]  # (scope, guardrail), in checking order
    allowed_models: list[str] | None  # None: any model
    ignored_models: list[str]
    allowed_providers: list[str] | None
    ignored_providers: list[str]
    regions: list[str]
    zdr: dict[str, bool]
    filters: list[Filter]
    budgets: list[BudgetLayer]
    key: Key | None = None
    workspace: Workspace | None = None
    organisation: object = None  # for naming an asked model by its catalog id

    @property
    def zdr_required(self) -> list[str]:
        """The model groups for which zero data retention is required."""
        return [group for group, on in self.zdr.items() if on]

    @property
    def first_block(self) -> BudgetLayer | None:
        return next((b for b in self.budgets if b.blocks_first), None)


def _intersect(lists) -> list[str] | None:
    out: list[str] | None = None
    for values in lists:
        if values is None:
            continue
        out = list(values) if out is None else [v for v in out if v in values]
    return out


def _union(lists) -> list[str]:
    return list(dict.fromkeys(v for values in lists for v in values or []))


def _zdr(guardrails: list[Guardrail]) -> dict[str, bool]:
    out = {}
    for group in ZDR_GROUPS:
        out[group] = any(
            bool(
                getattr(g, f"enforce_zdr_{group}")
                if getattr(g, f"enforce_zdr_{group}") is not None
                else g.enforce_zdr
            )
            for g in guardrails
        )
    return out


def _filters(layers: list[tuple[str, Guardrail]]) -> list[Filter]:
    merged: dict[str, Filter] = {}
    for _scope, g in layers:
        entries = [(f"builtin:{b['slug']}", b["action"]) for b in g.content_filter_builtins or []]
        entries += [(f"pattern:{c['pattern']}", c["action"]) for c in g.content_filters or []]
        for entity, action in entries:
            found = merged.setdefault(entity, Filter(entity, action))
            if STRICTNESS.get(action, 0) > STRICTNESS.get(found.action, 0):
                found.action = action
            found.sources.append(g.name)
    return list(merged.values())


def _mark_first(budgets: list[BudgetLayer]) -> None:
    if not budgets:
        return
    spent = [b for b in budgets if b.remaining <= 0]
    first = spent[0] if spent else min(budgets, key=lambda b: b.remaining)
    first.blocks_first = True


def _by_model_id(organisation, layers) -> None:
    """Upstream answers canonical (versioned) slugs; compare by the catalog's model ids."""
    values = {v for _s, g in layers for v in (g.allowed_models or []) + (g.ignored_models or [])}
    found = models_lookup(organisation, values) if organisation is not None else {}
    for _s, g in layers:
        for name in ("allowed_models", "ignored_models"):
            current = getattr(g, name)
            if current is not None:
                ids = [found[v].model_id if v in found else v for v in current]
                setattr(g, name, list(dict.fromkeys(ids)))


def _combine(layers, budgets, **extra) -> Policy:
    _by_model_id(extra.get("organisation"), layers)
    guardrails = [g for _s, g in layers]
    regions = _intersect([list(ENTITLED_REGIONS)] + [g.allowed_data_regions for g in guardrails])
    _mark_first(budgets)
    return Policy(
        layers=layers,
        allowed_models=_intersect(g.allowed_models for g in guardrails),
        ignored_models=_union(g.ignored_models for g in guardrails),
        allowed_providers=_intersect(g.allowed_providers for g in guardrails),
        ignored_providers=_union(g.ignored_providers for g in guardrails),
        regions=regions or [],
        zdr=_zdr(guardrails),
        filters=_filters(layers),
        budgets=budgets,
        **extra,
    )


def _guardrail_budgets(org, layers, key: Key | None, user_id: str, ws_id: str, today, now):
    out = []
    for scope, g in layers:
        if g.limit_usd is None:
            continue
        subjects = []
        if scope == "workspace_default":
            if user_id:
                subjects.append(
                    ("workspace_default_member", {"user_id": user_id, "workspace_id": ws_id})
                )
            if key is not None:
                subjects.append(("workspace_default_key", {"key_hash": key.hash}))
        elif scope == "member":
            subjects.append(("member", {"user_id": user_id}))
        elif key is not None:
            subjects.append(("api_key", {"key_hash": key.hash}))
        for layer_scope, match in subjects:
            out.append(
                BudgetLayer(
                    layer_scope,
                    Decimal(str(g.limit_usd)),
                    spent_in_window(
                        org, g.reset_interval, g.include_byok_in_budgets, today, **match
                    ),
                    g.reset_interval,
                    g.include_byok_in_budgets,
                    guardrail=g,
                    resets=resets_at(g.reset_interval, now),
                )
            )
    return out


def key_policy(key: Key, now: datetime | None = None) -> Policy:
    """Everything that applies to ``key``, from the mirrors (no upstream call)."""
    now = now or timezone.now()
    today = utc_today(now)
    org = key.organisation
    ws = Workspace.objects.filter(organisation=org, workspace_id=key.workspace_id).first()
    wanted = []
    if ws is not None and ws.default_guardrail_id:
        wanted.append(("workspace_default", ws.default_guardrail_id))
    if key.creator_user_id:
        link = GuardrailMemberAssignment.objects.filter(
            organisation=org, user_id=key.creator_user_id
        ).first()
        if link is not None:
            wanted.append(("member", link.guardrail_id))
    link = GuardrailKeyAssignment.objects.filter(organisation=org, key_hash=key.hash).first()
    if link is not None:
        wanted.append(("api_key", link.guardrail_id))
    found = {
        g.guardrail_id: g
        for g in Guardrail.objects.filter(
            organisation=org, guardrail_id__in=[i for _s, i in wanted]
        )
    }
    layers = [(scope, found[i]) for scope, i in wanted if i in found]
    budgets = []
    order = {"lifetime": 0, "monthly": 1, "weekly": 2, "daily": 3}
    workspace_budgets = Budget.objects.filter(
        organisation=org, kind=Budget.Kind.WORKSPACE, workspace_id=key.workspace_id
    )
    for b in sorted(workspace_budgets, key=lambda b: order.get(b.interval or "lifetime", 0)):
        budgets.append(
            BudgetLayer(
                "workspace",
                b.limit_usd,
                spent_in_window(
                    org, b.interval, b.include_byok, today, workspace_id=key.workspace_id
                ),
                b.interval,
                b.include_byok,
                resets=resets_at(b.interval, now),
            )
        )
    budgets += _guardrail_budgets(
        org, layers, key, key.creator_user_id, key.workspace_id, today, now
    )
    if key.limit is not None:
        budgets.append(
            BudgetLayer(
                "key_limit",
                Decimal(str(key.limit)),
                spent_in_window(
                    org, key.limit_reset, key.include_byok_in_limit, today, key_hash=key.hash
                ),
                key.limit_reset,
                key.include_byok_in_limit,
                resets=resets_at(key.limit_reset, now),
            )
        )
    return _combine(layers, budgets, key=key, workspace=ws, organisation=org)


def member_policy(organisation, user_id: str, now: datetime | None = None) -> Policy:
    """What applies to a member across their keys: their own guardrail and its budget
    (each key adds its workspace's and its own layers: see the key's policy)."""
    now = now or timezone.now()
    link = GuardrailMemberAssignment.objects.filter(
        organisation=organisation, user_id=user_id
    ).first()
    g = (
        Guardrail.objects.filter(organisation=organisation, guardrail_id=link.guardrail_id).first()
        if link
        else None
    )
    layers = [("member", g)] if g is not None else []
    budgets = _guardrail_budgets(organisation, layers, None, user_id, "", utc_today(now), now)
    return _combine(layers, budgets, organisation=organisation)


@dataclass
class Answer:
    allowed: bool
    scope: str = ""  # the layer that blocks
    reason: str = ""
    guardrail: Guardrail | None = None
    budget: BudgetLayer | None = None


def can_call(policy: Policy, model: str, provider: str = "", cost: Decimal | None = None):
    """Would upstream let this key call ``model`` (through ``provider``)? The first rule that
    refuses, in upstream's order: budgets, then each guardrail's model and provider rules."""
    if policy.organisation is not None:
        found = models_lookup(policy.organisation, [model]).get(model)
        model = found.model_id if found is not None else model
    for b in policy.budgets:
        if b.remaining <= 0:
            return Answer(False, b.scope, f"the {b.label} is spent", b.guardrail, b)
    for scope, g in policy.layers:
        if g.allowed_models is not None and model not in g.allowed_models:
            return Answer(
                False, scope, f"{model} is not in the {GUARDRAIL_LABELS[scope]}'s allowed models", g
            )
        if model in (g.ignored_models or []):
            return Answer(
                False, scope, f"{model} is in the {GUARDRAIL_LABELS[scope]}'s ignored models", g
            )
        if provider and g.allowed_providers is not None and provider not in g.allowed_providers:
            return Answer(
                False,
                scope,
                f"{provider} is not in the {GUARDRAIL_LABELS[scope]}'s allowed providers",
                g,
            )
        if provider and provider in (g.ignored_providers or []):
            return Answer(
                False,
                scope,
                f"{provider} is in the {GUARDRAIL_LABELS[scope]}'s ignored providers",
                g,
            )
    if cost is not None:
        short = next((b for b in policy.budgets if b.remaining < cost), None)
        if short is not None:
            return Answer(
                True,
                short.scope,
                f"allowed now, but a ${cost} request would take the {short.label} past its limit "
                "(upstream blocks the next request once it is spent)",
                short.guardrail,
                short,
            )
    return Answer(True)

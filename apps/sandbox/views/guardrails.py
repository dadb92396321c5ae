"""``/guardrails``: CRUD plus key and member assignments (one guardrail per key/member)."""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Q
from django.http import JsonResponse
from django.utils import timezone

from apps.sandbox.catalog import MODELS
from apps.sandbox.content_filters import js_pattern
from apps.sandbox.http import ApiError, Caller, endpoint, field, iso, json_body, ok
from apps.sandbox.lookups import workspace_by_ref
from apps.sandbox.models import (
    ApiKey,
    Guardrail,
    GuardrailKeyAssignment,
    GuardrailMemberAssignment,
    Workspace,
)
from apps.sandbox.views.common import paginated, parse_uuid, str_list

INTERVALS = ("daily", "weekly", "monthly")
REGIONS = ("global", "europe", "us")
ACTIONS = ("redact", "block", "flag")
BUILTIN_LABELS = {
    "email": "[EMAIL]",
    "phone": "[PHONE]",
    "ssn": "[SSN]",
    "credit-card": "[CREDIT_CARD]",
    "ip-address": "[IP_ADDRESS]",
    "secrets": "[SECRET]",
    "person-name": "[PERSON_NAME]",
    "address": "[ADDRESS]",
    "regex-prompt-injection": None,
}
SCAN_SCOPES = ("user_only", "all_messages")
POLICY_FLAGS = (
    "enforce_zdr",
    "enforce_zdr_anthropic",
    "enforce_zdr_openai",
    "enforce_zdr_google",
    "enforce_zdr_xai",
    "enforce_zdr_other",
    "allow_safety_retention_google",
    "allow_safety_retention_other",
    "enable_free_model_publication",
    "enable_free_model_training",
    "enable_paid_model_training",
)
POLICY_LISTS = ("allowed_data_regions", "content_filters", "content_filter_builtins")
MODEL_LISTS = ("allowed_models", "ignored_models")
PROVIDER_LISTS = ("allowed_providers", "ignored_providers")
# Patterns must run on a linear-time (RE2-style) engine: no lookaround, no backreferences,
# no quantified group that itself ends in a quantifier.
_LOOKAROUND = re.compile(r"\(\?<?[=!]")
_BACKREF = re.compile(r"\\[1-9]|\\k<")
_NESTED_QUANTIFIER = re.compile(r"[+*}]\)[+*{]")
_PERMASLUGS = {m.id: m.permaslug for m in MODELS}


def guardrail_json(g: Guardrail) -> dict:
    policy = g.policy or {}
    return {
        "id": str(g.id),
        "name": g.name,
        "description": g.description,
        "workspace_id": str(g.workspace_id) if g.workspace_id else None,
        "limit_usd": g.limit_usd,
        "reset_interval": g.reset_interval,
        "include_byok_in_budgets": g.include_byok_in_budgets,
        "allowed_models": g.allowed_models,
        "ignored_models": g.ignored_models,
        "allowed_providers": g.allowed_providers,
        "ignored_providers": g.ignored_providers,
        **{name: policy.get(name) for name in POLICY_FLAGS + POLICY_LISTS},
        "created_at": iso(g.created_at),
        "updated_at": iso(g.updated_at),
    }


def key_assignment_json(a: GuardrailKeyAssignment) -> dict:
    return {
        "id": str(a.id),
        "guardrail_id": str(a.guardrail_id),
        "key_hash": a.key.hash,
        "key_name": a.key.name,
        "key_label": a.key.label,
        "assigned_by": a.assigned_by,
        "created_at": iso(a.created_at),
    }


def member_assignment_json(a: GuardrailMemberAssignment) -> dict:
    return {
        "id": str(a.id),
        "guardrail_id": str(a.guardrail_id),
        "user_id": a.user_id,
        "organization_id": a.account_id,
        "assigned_by": a.assigned_by,
        "created_at": iso(a.created_at),
    }


# --- validation ---------------------------------------------------------------------------


def validate_pattern(pattern: str) -> None:
    """Reject what a linear-time regex engine cannot run, as ``invalid_regex_pattern``."""
    problem = None
    if len(pattern) > 100_000:
        problem = "pattern is longer than 100000 characters"
    elif _LOOKAROUND.search(pattern):
        problem = "lookaround assertions are not supported"
    elif _BACKREF.search(pattern):
        problem = "backreferences are not supported"
    elif _NESTED_QUANTIFIER.search(pattern):
        problem = "nested quantifiers are not supported"
    else:
        try:
            js_pattern(pattern)  # the JavaScript flavour: ``(?<name>…)`` groups are fine
        except re.error as exc:
            problem = f"pattern does not compile: {exc}"
    if problem:
        raise ApiError(
            400,
            f"invalid_regex_pattern: {problem}",
            metadata={"error_type": "invalid_request", "code": "invalid_regex_pattern"},
        )


def _content_filters(body: dict) -> list | None:
    value = field(body, "content_filters", list, nullable=True)
    if value is None:
        return None
    out = []
    for item in value:
        if not isinstance(item, dict):
            raise ApiError(400, "content_filters entries must be objects")
        pattern = field(item, "pattern", str, required=True)
        validate_pattern(pattern)
        entry = {
            "pattern": pattern,
            "action": field(item, "action", str, required=True, choices=ACTIONS),
        }
        label = field(item, "label", str, nullable=True)
        if label is not None:
            entry["label"] = label
        out.append(entry)
    return out


def _builtins(body: dict) -> list | None:
    value = field(body, "content_filter_builtins", list, nullable=True)
    if value is None:
        return None
    out = []
    for item in value:
        if not isinstance(item, dict):
            raise ApiError(400, "content_filter_builtins entries must be objects")
        slug = field(item, "slug", str, required=True, choices=tuple(BUILTIN_LABELS))
        entry = {"slug": slug, "action": field(item, "action", str, required=True, choices=ACTIONS)}
        if slug == "regex-prompt-injection":
            entry["scan_scope"] = field(
                item, "scan_scope", str, choices=SCAN_SCOPES, default="all_messages"
            )
        else:
            entry["label"] = BUILTIN_LABELS[slug]
        out.append(entry)
    return out


def _canonical(models: list[str] | None) -> list[str] | None:
    """Slugs in, canonical (versioned) slugs out."""
    return None if models is None else [_PERMASLUGS.get(m, m) for m in models]


def _apply(g: Guardrail, body: dict) -> None:
    if "name" in body:
        name = field(body, "name", str)
        if not name.strip() or len(name) > 200:
            raise ApiError(400, "name must be between 1 and 200 characters")
        g.name = name.strip()
    if "description" in body:
        g.description = field(body, "description", str, nullable=True)
    # limit_usd and reset_interval travel together: both or neither.
    if ("limit_usd" in body) != ("reset_interval" in body):
        raise ApiError(400, "limit_usd and reset_interval must be provided together")
    if "limit_usd" in body:
        limit = field(body, "limit_usd", (int, float), nullable=True)
        interval = field(body, "reset_interval", str, nullable=True, choices=INTERVALS)
        if (limit is None) != (interval is None):
            raise ApiError(400, "limit_usd and reset_interval must be provided together")
        if limit is not None and limit <= 0:
            raise ApiError(400, "limit_usd must be greater than 0")
        g.limit_usd = None if limit is None else float(limit)
        g.reset_interval = interval
    if "include_byok_in_budgets" in body:
        g.include_byok_in_budgets = field(body, "include_byok_in_budgets", bool)
    for name in MODEL_LISTS:
        if name in body:
            setattr(g, name, _canonical(str_list(body, name)))
    for name in PROVIDER_LISTS:
        if name in body:
            setattr(g, name, str_list(body, name))
    policy = dict(g.policy or {})
    for name in POLICY_FLAGS:
        if name in body:
            policy[name] = field(body, name, bool, nullable=True)
    if "allowed_data_regions" in body:
        regions = str_list(body, "allowed_data_regions", non_empty=True)
        for region in regions or []:
            if region not in REGIONS:
                raise ApiError(400, f"allowed_data_regions: unknown region {region}")
        policy["allowed_data_regions"] = regions
    if "content_filters" in body:
        policy["content_filters"] = _content_filters(body)
    if "content_filter_builtins" in body:
        policy["content_filter_builtins"] = _builtins(body)
    g.policy = policy


# --- lookups ------------------------------------------------------------------------------


def guardrail_by_id(account, guardrail_id: str, *, materialize: bool = False) -> Guardrail:
    """A guardrail of ``account``; a workspace's default guardrail exists virtually until
    a PATCH materialises it."""
    gid = parse_uuid(guardrail_id, "Guardrail")
    found = Guardrail.objects.filter(account=account, id=gid).first()
    if found is not None:
        return found
    ws = Workspace.objects.filter(account=account, default_guardrail_id=gid).first()
    if ws is None:
        raise ApiError(404, "Guardrail not found")
    default = Guardrail(
        id=gid,
        account=account,
        workspace=ws,
        name=f"Workspace {ws.id} Default",
        created_at=ws.created_at,
    )
    if materialize:
        default.save(force_insert=True)
    return default


# --- views --------------------------------------------------------------------------------


@endpoint(auth="management", methods=("GET", "POST"))
def guardrails_collection(request, caller: Caller):
    if request.method == "POST":
        body = json_body(request)
        field(body, "name", str, required=True)
        ws = workspace_by_ref(caller.account, field(body, "workspace_id", str), missing_status=400)
        g = Guardrail(account=caller.account, workspace=ws)
        _apply(g, body)
        g.save()
        return ok(guardrail_json(g), status=201)
    ws = workspace_by_ref(caller.account, request.GET.get("workspace_id"), missing_status=400)
    scope = Q(workspace=ws) | Q(workspace__isnull=True) if ws.is_default else Q(workspace=ws)
    guardrails = Guardrail.objects.filter(scope, account=caller.account).order_by(
        "-created_at", "id"
    )
    return paginated(request, guardrails, guardrail_json)


@endpoint(auth="management", methods=("GET", "PATCH", "DELETE"))
def guardrail_item(request, caller: Caller, guardrail_id: str):
    g = guardrail_by_id(caller.account, guardrail_id, materialize=request.method == "PATCH")
    if request.method == "DELETE":
        if not g._state.adding:  # a virtual default guardrail has nothing to delete
            g.delete()
        return JsonResponse({"deleted": True})
    if request.method == "PATCH":
        body = json_body(request)
        if "workspace_id" in body:
            raise ApiError(400, "workspace_id cannot be changed")
        _apply(g, body)
        g.updated_at = timezone.now()
        g.save()
    return ok(guardrail_json(g))


def _key_hashes(body: dict) -> list[str]:
    hashes = str_list(body, "key_hashes", required=True, nullable=False, non_empty=True)
    if len(hashes) > 1000:
        raise ApiError(400, "key_hashes accepts at most 1000 hashes")
    return hashes


def _member_ids(body: dict) -> list[str]:
    ids = str_list(body, "member_user_ids", required=True, nullable=False, non_empty=True)
    if len(ids) > 1000:
        raise ApiError(400, "member_user_ids accepts at most 1000 ids")
    return ids


@endpoint(auth="management", methods=("GET", "POST"))
def key_assignments(request, caller: Caller, guardrail_id: str):
    if request.method == "GET":
        g = guardrail_by_id(caller.account, guardrail_id)
        links = GuardrailKeyAssignment.objects.filter(guardrail_id=g.id).select_related("key")
        return paginated(request, links.order_by("created_at", "id"), key_assignment_json)
    g = guardrail_by_id(caller.account, guardrail_id, materialize=True)
    hashes = _key_hashes(json_body(request))
    keys = {
        k.hash: k
        for k in ApiKey.objects.filter(
            account=caller.account, hash__in=hashes, deleted_at__isnull=True, is_management=False
        )
    }
    missing = [h for h in hashes if h not in keys]
    if missing:
        raise ApiError(400, f"key_hashes: unknown API key hash {missing[0]}")
    assigned = 0
    with transaction.atomic(using="sandbox"):
        for key in keys.values():
            link = GuardrailKeyAssignment.objects.filter(key=key).first()
            if link is not None and link.guardrail_id == g.id:
                continue
            if link is not None:  # one guardrail per key: the new one replaces the old
                link.delete()
            GuardrailKeyAssignment.objects.create(
                guardrail=g, key=key, assigned_by=caller.key.creator_user_id
            )
            assigned += 1
    return JsonResponse({"assigned_count": assigned})


@endpoint(auth="management", methods=("POST",))
def key_assignments_remove(request, caller: Caller, guardrail_id: str):
    g = guardrail_by_id(caller.account, guardrail_id)
    hashes = _key_hashes(json_body(request))
    removed, _ = GuardrailKeyAssignment.objects.filter(
        guardrail_id=g.id, key__hash__in=hashes
    ).delete()
    return JsonResponse({"unassigned_count": removed})


@endpoint(auth="management", methods=("GET", "POST"))
def member_assignments(request, caller: Caller, guardrail_id: str):
    if request.method == "GET":
        g = guardrail_by_id(caller.account, guardrail_id)
        links = GuardrailMemberAssignment.objects.filter(guardrail_id=g.id)
        return paginated(request, links.order_by("created_at", "id"), member_assignment_json)
    g = guardrail_by_id(caller.account, guardrail_id, materialize=True)
    ids = _member_ids(json_body(request))
    known = set(caller.account.members.filter(user_id__in=ids).values_list("user_id", flat=True))
    missing = [u for u in ids if u not in known]
    if missing:
        raise ApiError(400, f"member_user_ids: {missing[0]} is not an organization member")
    assigned = 0
    with transaction.atomic(using="sandbox"):
        for user_id in ids:
            link = GuardrailMemberAssignment.objects.filter(
                account=caller.account, user_id=user_id
            ).first()
            if link is not None and link.guardrail_id == g.id:
                continue
            if link is not None:
                link.delete()
            GuardrailMemberAssignment.objects.create(
                account=caller.account,
                guardrail=g,
                user_id=user_id,
                assigned_by=caller.key.creator_user_id,
            )
            assigned += 1
    return JsonResponse({"assigned_count": assigned})


@endpoint(auth="management", methods=("POST",))
def member_assignments_remove(request, caller: Caller, guardrail_id: str):
    g = guardrail_by_id(caller.account, guardrail_id)
    ids = _member_ids(json_body(request))
    removed, _ = GuardrailMemberAssignment.objects.filter(
        guardrail_id=g.id, user_id__in=ids
    ).delete()
    return JsonResponse({"unassigned_count": removed})


@endpoint(auth="management")
def all_key_assignments(request, caller: Caller):
    links = GuardrailKeyAssignment.objects.filter(guardrail__account=caller.account)
    return paginated(
        request, links.select_related("key").order_by("created_at", "id"), key_assignment_json
    )


@endpoint(auth="management")
def all_member_assignments(request, caller: Caller):
    links = GuardrailMemberAssignment.objects.filter(account=caller.account)
    return paginated(request, links.order_by("created_at", "id"), member_assignment_json)

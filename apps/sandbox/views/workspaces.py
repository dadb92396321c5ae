"""``/workspaces``: CRUD by UUID or slug, members, and budgets (one per interval)."""

from __future__ import annotations

import re

from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone

from apps.sandbox.http import (
    ApiError,
    Caller,
    endpoint,
    field,
    iso,
    json_body,
    offset_limit,
    ok,
    query_bool,
)
from apps.sandbox.lookups import workspace_by_ref
from apps.sandbox.models import (
    ApiKey,
    ByokKey,
    ObservabilityDestination,
    Workspace,
    WorkspaceBudget,
    WorkspaceMembership,
)
from apps.sandbox.models.management import BUDGET_INTERVALS
from apps.sandbox.serializers import workspace_json

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
PROVIDER_SORTS = ("price", "throughput", "latency", "exacto")
SERVER_TOOLS = tuple(
    f"openrouter:{tool}"
    for tool in (
        "advisor",
        "apply_patch",
        "bash",
        "datetime",
        "fusion",
        "image_generation",
        "experimental__search_models",
        "shell",
        "subagent",
        "tool_search",
        "web_fetch",
        "web_search",
    )
)
_SETTINGS = (
    "description",
    "default_text_model",
    "default_image_model",
    "default_provider_sort",
    "disabled_server_tools",
    "io_logging_api_key_ids",
    "io_logging_sampling_rate",
    "is_data_discount_logging_enabled",
    "is_observability_broadcast_enabled",
    "is_observability_io_logging_enabled",
)


# --- workspaces ---------------------------------------------------------------------------


@endpoint(auth="management", methods=("GET", "POST"))
def workspaces_collection(request, caller: Caller):
    if request.method == "POST":
        return _create(request, caller)
    offset, limit = offset_limit(request)
    workspaces = Workspace.objects.filter(account=caller.account).order_by("created_at", "id")
    total = workspaces.count()
    page = workspaces[offset : offset + limit]
    return JsonResponse({"data": [workspace_json(ws) for ws in page], "total_count": total})


def _name(body: dict, *, required: bool) -> str | None:
    name = field(body, "name", str, required=required)
    if name is not None and not 1 <= len(name.strip()) <= 100:
        raise ApiError(400, "name must be between 1 and 100 characters")
    return name


def _slug(account, body: dict, *, required: bool, current: Workspace | None = None) -> str | None:
    slug = field(body, "slug", str, required=required)
    if slug is None:
        return None
    if not SLUG.match(slug) or len(slug) > 100:
        raise ApiError(
            400, "slug must be lowercase letters and digits in segments joined by single hyphens"
        )
    taken = Workspace.objects.filter(account=account, slug=slug)
    if current is not None:
        taken = taken.exclude(id=current.id)
    if taken.exists():
        raise ApiError(400, f"A workspace with slug {slug} already exists")
    return slug


def _apply_settings(ws: Workspace, body: dict) -> None:
    if "description" in body:
        description = field(body, "description", str, nullable=True)
        if description is not None and len(description) > 500:
            raise ApiError(400, "description must be at most 500 characters")
        ws.description = description
    for name in ("default_text_model", "default_image_model"):
        if name in body:
            setattr(ws, name, field(body, name, str, nullable=True))
    if "default_provider_sort" in body:
        ws.default_provider_sort = field(
            body, "default_provider_sort", str, nullable=True, choices=PROVIDER_SORTS
        )
    if "disabled_server_tools" in body:
        tools = field(body, "disabled_server_tools", list, nullable=True)
        for tool in tools or []:
            if tool not in SERVER_TOOLS:
                raise ApiError(400, f"disabled_server_tools: unknown tool {tool}")
        ws.disabled_server_tools = tools or None
    if "io_logging_api_key_ids" in body:
        ids = field(body, "io_logging_api_key_ids", list, nullable=True)
        if ids is not None and not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise ApiError(400, "io_logging_api_key_ids must be an array of integers")
        ws.io_logging_api_key_ids = ids
    if "io_logging_sampling_rate" in body:
        rate = field(body, "io_logging_sampling_rate", (int, float))
        if not 0.0001 <= rate <= 1:
            raise ApiError(400, "io_logging_sampling_rate must be between 0.0001 and 1")
        ws.io_logging_sampling_rate = float(rate)
    for name in (
        "is_data_discount_logging_enabled",
        "is_observability_broadcast_enabled",
        "is_observability_io_logging_enabled",
    ):
        if name in body:
            setattr(ws, name, field(body, name, bool))


def _org_role(account, user_id: str) -> str:
    member = account.members.filter(user_id=user_id).first()
    return "admin" if member is not None and member.role == "org:admin" else "member"


def _create(request, caller: Caller):
    body = json_body(request)
    name = _name(body, required=True)
    slug = _slug(caller.account, body, required=True)
    ws = Workspace(
        account=caller.account, name=name.strip(), slug=slug, created_by=caller.key.creator_user_id
    )
    _apply_settings(ws, body)
    with transaction.atomic(using="sandbox"):
        ws.save()
        if ws.created_by:
            WorkspaceMembership.objects.create(
                workspace=ws, user_id=ws.created_by, role=_org_role(caller.account, ws.created_by)
            )
    return ok(workspace_json(ws), status=201)


@endpoint(auth="management", methods=("GET", "PATCH", "DELETE"))
def workspace_item(request, caller: Caller, ref: str):
    ws = workspace_by_ref(caller.account, ref)
    if request.method == "DELETE":
        return _delete(request, caller, ws)
    if request.method == "PATCH":
        body = json_body(request)
        if not ({"name", "slug", *_SETTINGS} & body.keys()):
            raise ApiError(400, "No update fields provided")
        name = _name(body, required=False)
        slug = _slug(caller.account, body, required=False, current=ws)
        if name is not None:
            ws.name = name.strip()
        if slug is not None:
            ws.slug = slug
        _apply_settings(ws, body)
        ws.updated_at = timezone.now()
        ws.save()
    return ok(workspace_json(ws))


def _delete(request, caller: Caller, ws: Workspace):
    keys = ApiKey.objects.filter(workspace=ws, deleted_at__isnull=True)
    if keys.filter(is_management=False).exists():
        raise ApiError(400, "Workspace still has active API keys: delete or move them first")
    others = Workspace.objects.filter(account=caller.account).exclude(id=ws.id)
    if ws.is_default:
        if not query_bool(request, "confirm_default_workspace_deletion"):
            raise ApiError(
                400,
                "This is the default workspace: pass confirm_default_workspace_deletion=true",
            )
        if not others.exists():
            raise ApiError(400, "The only workspace of an organization cannot be deleted")
    with transaction.atomic(using="sandbox"):
        now = timezone.now()
        # Management keys span every workspace; they only need a home row.
        keys.filter(is_management=True).update(workspace=others.first())
        ApiKey.objects.filter(workspace=ws, deleted_at__isnull=False).delete()
        ByokKey.objects.filter(workspace=ws, deleted_at__isnull=True).update(
            deleted_at=now, secret=""
        )
        ObservabilityDestination.objects.filter(workspace=ws).update(enabled=False, deleted_at=now)
        ws.delete()
    return JsonResponse({"deleted": True})


# --- members ------------------------------------------------------------------------------


def member_json(m: WorkspaceMembership) -> dict:
    return {
        "id": str(m.id),
        "workspace_id": str(m.workspace_id),
        "user_id": m.user_id,
        "role": m.role,
        "created_at": iso(m.created_at),
    }


def _user_ids(body: dict) -> list[str]:
    user_ids = field(body, "user_ids", list, required=True)
    if not user_ids or not all(isinstance(u, str) and u for u in user_ids):
        raise ApiError(400, "user_ids must be a non-empty array of user ids")
    if len(user_ids) > 100:
        raise ApiError(400, "user_ids accepts at most 100 ids")
    return list(dict.fromkeys(user_ids))


@endpoint(auth="management")
def members_list(request, caller: Caller, ref: str):
    ws = workspace_by_ref(caller.account, ref)
    offset, limit = offset_limit(request)
    members = WorkspaceMembership.objects.filter(workspace=ws).order_by("created_at", "id")
    return JsonResponse(
        {
            "data": [member_json(m) for m in members[offset : offset + limit]],
            "total_count": members.count(),
        }
    )


@endpoint(auth="management", methods=("POST",))
def members_add(request, caller: Caller, ref: str):
    ws = workspace_by_ref(caller.account, ref)
    user_ids = _user_ids(json_body(request))
    known = set(
        caller.account.members.filter(user_id__in=user_ids).values_list("user_id", flat=True)
    )
    unknown = [u for u in user_ids if u not in known]
    if unknown:
        raise ApiError(400, f"Not members of this organization: {', '.join(unknown)}")
    present = set(
        WorkspaceMembership.objects.filter(workspace=ws, user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    added = [
        WorkspaceMembership.objects.create(
            workspace=ws, user_id=u, role=_org_role(caller.account, u)
        )
        for u in user_ids
        if u not in present
    ]
    return JsonResponse({"added_count": len(added), "data": [member_json(m) for m in added]})


@endpoint(auth="management", methods=("POST",))
def members_remove(request, caller: Caller, ref: str):
    ws = workspace_by_ref(caller.account, ref)
    user_ids = _user_ids(json_body(request))
    owners = set(
        ApiKey.objects.filter(
            workspace=ws,
            creator_user_id__in=user_ids,
            deleted_at__isnull=True,
            disabled=False,
            is_management=False,
        ).values_list("creator_user_id", flat=True)
    )
    if owners:
        raise ApiError(
            400, f"Members own active API keys in this workspace: {', '.join(sorted(owners))}"
        )
    removed, _ = WorkspaceMembership.objects.filter(workspace=ws, user_id__in=user_ids).delete()
    return JsonResponse({"removed_count": removed})


# --- budgets ------------------------------------------------------------------------------

_RANK = {name: i for i, name in enumerate(BUDGET_INTERVALS)}  # 0 = broadest


def budget_json(b: WorkspaceBudget) -> dict:
    return {
        "id": str(b.id),
        "workspace_id": str(b.workspace_id),
        "limit_usd": b.limit_usd,
        "reset_interval": None if b.interval == "lifetime" else b.interval,
        "created_at": iso(b.created_at),
        "updated_at": iso(b.updated_at),
    }


def _interval(value: str) -> str:
    if value not in BUDGET_INTERVALS:
        raise ApiError(400, f"interval must be one of: {', '.join(reversed(BUDGET_INTERVALS))}")
    return value


@endpoint(auth="management")
def budgets_list(request, caller: Caller, ref: str):
    ws = workspace_by_ref(caller.account, ref)
    budgets = sorted(WorkspaceBudget.objects.filter(workspace=ws), key=lambda b: _RANK[b.interval])
    return JsonResponse(
        {
            "data": [budget_json(b) for b in budgets],
            "include_byok_in_budgets": ws.include_byok_in_budgets,
        }
    )


def _check_order(ws: Workspace, interval: str, limit: float) -> None:
    """Limits must strictly decrease: lifetime > monthly > weekly > daily."""
    for other in WorkspaceBudget.objects.filter(workspace=ws).exclude(interval=interval):
        broader, narrower = (
            ((other.interval, other.limit_usd), (interval, limit))
            if _RANK[other.interval] < _RANK[interval]
            else ((interval, limit), (other.interval, other.limit_usd))
        )
        if broader[1] <= narrower[1]:
            raise ApiError(
                400,
                f"The {broader[0]} budget (${broader[1]:g}) must be greater than the "
                f"{narrower[0]} budget (${narrower[1]:g})",
            )


@endpoint(auth="management", methods=("GET", "PUT", "DELETE"))
def budget_item(request, caller: Caller, ref: str, interval: str):
    ws = workspace_by_ref(caller.account, ref)
    interval = _interval(interval)
    budget = WorkspaceBudget.objects.filter(workspace=ws, interval=interval).first()
    if request.method == "DELETE":
        if budget is not None:
            budget.delete()
        return JsonResponse({"deleted": True})
    if request.method == "GET":
        if budget is None:
            raise ApiError(404, f"No {interval} budget set for this workspace")
        return ok(budget_json(budget), include_byok_in_budgets=ws.include_byok_in_budgets)
    body = json_body(request)
    limit = field(body, "limit_usd", (int, float), required=True)
    if limit <= 0:
        raise ApiError(400, "limit_usd must be greater than 0")
    include_byok = field(body, "include_byok_in_budgets", bool)
    _check_order(ws, interval, float(limit))
    now = timezone.now()
    with transaction.atomic(using="sandbox"):
        if budget is None:
            budget = WorkspaceBudget(workspace=ws, interval=interval, created_at=now)
        budget.limit_usd = float(limit)
        budget.updated_at = now
        budget.save()
        if include_byok is not None:
            ws.include_byok_in_budgets = include_byok
            ws.save(update_fields=["include_byok_in_budgets"])
    return ok(budget_json(budget), include_byok_in_budgets=ws.include_byok_in_budgets)

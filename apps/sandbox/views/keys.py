"""``/keys``: list, create (the secret is returned once), get, update, delete."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.http import JsonResponse
from django.utils import timezone

from apps.sandbox.http import (
    ApiError,
    Caller,
    endpoint,
    field,
    json_body,
    ok,
    query_bool,
    query_int,
)
from apps.sandbox.keys_service import LIMIT_RESETS, key_insert, parse_expiry
from apps.sandbox.lookups import key_by_hash, workspace_by_ref
from apps.sandbox.models import ApiKey
from apps.sandbox.serializers import key_json
from apps.sandbox.usage import key_usage

PAGE_SIZE = 100


def _render(account, keys: list[ApiKey]) -> list[dict]:
    usage = key_usage(account, [k.hash for k in keys])
    return [key_json(k, usage[k.hash]) for k in keys]


def _limit(body: dict):
    value = field(body, "limit", (int, float), nullable=True, default=...)
    if value is ...:
        return ...
    if value is not None and value < 0:
        raise ApiError(400, "limit must be a non-negative number")
    return float(value) if value is not None else None


@endpoint(auth="management", methods=("GET", "POST"))
def keys_collection(request, caller: Caller):
    if request.method == "POST":
        return _create(request, caller)
    offset = query_int(request, "offset", 0, low=0)
    workspace = workspace_by_ref(
        caller.account, request.GET.get("workspace_id"), missing_status=400
    )
    keys = ApiKey.objects.filter(
        account=caller.account, workspace=workspace, is_management=False, deleted_at__isnull=True
    )
    if not query_bool(request, "include_disabled"):
        keys = keys.filter(disabled=False)
    if not query_bool(request, "include_expired"):
        keys = keys.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
    page = list(keys.order_by("-created_at", "-numeric_id")[offset : offset + PAGE_SIZE])
    return ok(_render(caller.account, page))


def _create(request, caller: Caller):
    body = json_body(request)
    name = field(body, "name", str, required=True)
    if not name.strip():
        raise ApiError(400, "name must not be empty")
    if len(name) > 200:
        raise ApiError(400, "name must be at most 200 characters")
    limit = _limit(body)
    limit_reset = field(body, "limit_reset", str, nullable=True, choices=LIMIT_RESETS)
    include_byok = field(body, "include_byok_in_limit", bool, default=False)
    raw_expiry = field(body, "expires_at", str, nullable=True)
    expires_at = parse_expiry(raw_expiry) if raw_expiry else None
    workspace = workspace_by_ref(
        caller.account, field(body, "workspace_id", str), missing_status=400
    )
    creator = field(body, "creator_user_id", str, nullable=True)
    if creator and not caller.account.members.filter(user_id=creator).exists():
        raise ApiError(400, "creator_user_id is not a member of this organization")
    external = field(body, "external", dict)
    with transaction.atomic(using="sandbox"):
        key, secret = key_insert(
            caller.account,
            workspace,
            name=name,
            limit=None if limit is ... else limit,
            limit_reset=limit_reset,
            include_byok_in_limit=include_byok,
            expires_at=expires_at,
            creator_user_id=creator or caller.key.creator_user_id,
            external_user=(external or {}).get("user"),
        )
    return ok(_render(caller.account, [key])[0], status=201, key=secret)


@endpoint(auth="management", methods=("GET", "PATCH", "DELETE"))
def key_item(request, caller: Caller, key_hash: str):
    key = key_by_hash(caller.account, key_hash)
    if request.method == "DELETE":
        key.deleted_at = timezone.now()
        key.save(update_fields=["deleted_at"])
        return JsonResponse({"deleted": True})
    if request.method == "PATCH":
        _update(key, json_body(request), caller)
    return ok(_render(caller.account, [key])[0])


def _update(key: ApiKey, body: dict, caller: Caller) -> None:
    accepted = {"name", "disabled", "limit", "limit_reset", "include_byok_in_limit", "workspace_id"}
    if not accepted & body.keys():
        raise ApiError(400, "No update fields provided")
    if "name" in body:
        name = field(body, "name", str)
        if not name.strip():
            raise ApiError(400, "name must not be empty")
        key.name = name
    if "disabled" in body:
        key.disabled = field(body, "disabled", bool)
    limit = _limit(body)
    if limit is not ...:
        key.limit = limit
    if "limit_reset" in body:
        key.limit_reset = field(body, "limit_reset", str, nullable=True, choices=LIMIT_RESETS)
    if "include_byok_in_limit" in body:
        key.include_byok_in_limit = field(body, "include_byok_in_limit", bool)
    if "workspace_id" in body:
        key.workspace = workspace_by_ref(
            caller.account, field(body, "workspace_id", str), missing_status=400
        )
    key.updated_at = timezone.now()
    key.save()

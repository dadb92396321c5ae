"""``/observability/destinations``: broadcast destinations, config validated per type.

Secrets in ``config`` are stored in clear and always answered masked (``abcd...wxyz``);
PATCH merges ``config`` and ignores masked values sent back unchanged.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from dataclasses import field as dc_field
from urllib.parse import urlparse

from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone

from apps.sandbox.http import ApiError, Caller, endpoint, field, iso, json_body, ok
from apps.sandbox.lookups import workspace_by_ref
from apps.sandbox.models import ObservabilityDestination
from apps.sandbox.views.common import mask_middle, own_key_hashes, paginated, parse_uuid, str_list

MAX_PER_TYPE = 5
REGIONS = {"global": "global", "europe": "europe", "eu": "europe", "us": "us"}
FILTER_FIELDS = (
    "model",
    "provider",
    "session_id",
    "user_id",
    "api_key_name",
    "finish_reason",
    "input",
    "output",
    "total_cost",
    "total_tokens",
    "prompt_tokens",
    "completion_tokens",
)
FILTER_OPERATORS = (
    "equals",
    "not_equals",
    "contains",
    "not_contains",
    "regex",
    "starts_with",
    "ends_with",
    "gt",
    "lt",
    "gte",
    "lte",
    "exists",
    "not_exists",
)
BROADCAST_FLAGS = (
    "broadcast_generation_cost",
    "broadcast_generation_cost_allocation",
    "broadcast_generation_identity",
    "broadcast_generation_request_context",
)
SECRET_KEYS = frozenset(
    {
        "apiKey",
        "spaceKey",
        "password",
        "publicKey",
        "secretKey",
        "licenseKey",
        "token",
        "accessKeyId",
        "secretAccessKey",
        "sessionToken",
    }
)


@dataclass(frozen=True)
class DestinationType:
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    defaults: dict = dc_field(default_factory=dict)
    choices: dict = dc_field(default_factory=dict)
    urls: tuple[str, ...] = ()
    booleans: tuple[str, ...] = ()


TYPES: dict[str, DestinationType] = {
    "arize": DestinationType(("apiKey", "spaceKey", "modelId"), ("baseUrl",), urls=("baseUrl",)),
    "braintrust": DestinationType(("apiKey", "projectId"), ("baseUrl",), urls=("baseUrl",)),
    "clickhouse": DestinationType(
        ("host", "database", "username", "password"),
        ("table", "shouldIncludeCacheWriteTokens"),
        defaults={"table": "OPENROUTER_TRACES", "shouldIncludeCacheWriteTokens": False},
        booleans=("shouldIncludeCacheWriteTokens",),
    ),
    "datadog": DestinationType(
        ("apiKey", "mlApp"), ("url",), defaults={"url": "https://api.datadoghq.com"}, urls=("url",)
    ),
    "grafana": DestinationType(("apiKey", "instanceId"), ("baseUrl",), urls=("baseUrl",)),
    "langfuse": DestinationType(
        ("publicKey", "secretKey"),
        ("baseUrl",),
        defaults={"baseUrl": "https://us.cloud.langfuse.com"},
        urls=("baseUrl",),
    ),
    "langsmith": DestinationType(
        ("apiKey",),
        ("endpoint", "project", "workspaceId"),
        defaults={"project": "main"},
        urls=("endpoint",),
    ),
    "newrelic": DestinationType(("licenseKey",), ("region",), choices={"region": ("us", "eu")}),
    "opik": DestinationType(("apiKey", "workspace", "projectName")),
    "otel-collector": DestinationType(("endpoint",), urls=("endpoint",)),
    "posthog": DestinationType(("apiKey",), ("endpoint",), urls=("endpoint",)),
    "ramp": DestinationType(("apiKey",), ("baseUrl",), urls=("baseUrl",)),
    "s3": DestinationType(
        ("bucketName",),
        (
            "provider",
            "authMode",
            "accessKeyId",
            "secretAccessKey",
            "sessionToken",
            "region",
            "roleArn",
            "endpoint",
            "prefix",
            "pathTemplate",
        ),
        defaults={"prefix": "openrouter-traces", "pathTemplate": "{prefix}/{date}"},
        choices={
            "provider": ("aws", "cloudflare_r2", "gcs", "other"),
            "authMode": ("access_keys", "iam_role"),
        },
        urls=("endpoint",),
    ),
    "sentry": DestinationType(("dsn", "otlpEndpoint"), urls=("otlpEndpoint",)),
    "snowflake": DestinationType(
        ("account", "token"),
        ("database", "schema", "table", "warehouse", "shouldIncludeCacheWriteTokens"),
        defaults={"schema": "PUBLIC", "warehouse": "COMPUTE_WH"},
        booleans=("shouldIncludeCacheWriteTokens",),
    ),
    "weave": DestinationType(("apiKey", "entity", "project"), ("baseUrl",), urls=("baseUrl",)),
    "webhook": DestinationType(
        ("url",),
        ("method",),
        defaults={"method": "POST"},
        choices={"method": ("POST", "PUT")},
        urls=("url",),
    ),
}


def validate_config(kind: str, config: dict) -> dict:
    """The config with defaults filled in; a 400 naming the first problem otherwise."""
    spec = TYPES[kind]
    allowed = set(spec.required) | set(spec.optional) | {"headers", "externalId"}
    for name in config:
        if name not in allowed:
            raise ApiError(400, f"config.{name} is not a valid field for {kind} destinations")
    for name in spec.required:
        value = config.get(name)
        if not isinstance(value, str) or not value.strip():
            raise ApiError(400, f"config.{name} is required for {kind} destinations")
    for name, value in config.items():
        if name == "headers":
            if value is not None and not (
                isinstance(value, dict)
                and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
            ):
                raise ApiError(400, "config.headers must map strings to strings")
        elif name in spec.booleans:
            if not isinstance(value, bool):
                raise ApiError(400, f"config.{name} must be a boolean")
        elif value is not None and not isinstance(value, str):
            raise ApiError(400, f"config.{name} must be a string")
        if name in spec.choices and value is not None and value not in spec.choices[name]:
            raise ApiError(400, f"config.{name} must be one of: {', '.join(spec.choices[name])}")
        if name in spec.urls and value:
            parsed = urlparse(value)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise ApiError(400, f"config.{name} must be an http(s) URL")
    result = {**spec.defaults, **{k: v for k, v in config.items() if v is not None}}
    if kind == "s3" and result.get("authMode") == "iam_role":
        if not result.get("roleArn"):
            raise ApiError(400, "config.roleArn is required when authMode is iam_role")
        result.setdefault("externalId", f"openrouter-{secrets.token_hex(8)}")
    return result


def masked_config(config: dict) -> dict:
    out = {}
    for name, value in config.items():
        if name in SECRET_KEYS and isinstance(value, str):
            out[name] = mask_middle(value)
        elif name == "headers" and isinstance(value, dict):
            out[name] = {k: mask_middle(v) for k, v in value.items()}
        else:
            out[name] = value
    return out


def destination_json(d: ObservabilityDestination) -> dict:
    return {
        "id": str(d.id),
        "type": d.type,
        "name": d.name,
        "workspace_id": str(d.workspace_id),
        "enabled": d.enabled,
        "privacy_mode": d.privacy_mode,
        "sampling_rate": d.sampling_rate,
        "api_key_hashes": d.api_key_hashes,
        "filter_rules": d.filter_rules,
        "regions": d.regions,
        **{flag: getattr(d, flag) for flag in BROADCAST_FLAGS},
        "config": masked_config(d.config),
        "created_at": iso(d.created_at),
        "updated_at": iso(d.updated_at),
    }


def _filter_rules(body: dict) -> dict | None:
    rules = field(body, "filter_rules", dict, nullable=True)
    if rules is None:
        return None
    enabled = field(rules, "enabled", bool, default=True)
    groups = field(rules, "groups", list, required=True)
    clean = []
    for group in groups:
        if not isinstance(group, dict):
            raise ApiError(400, "filter_rules.groups entries must be objects")
        logic = field(group, "logic", str, choices=("and", "or"), default="and")
        items = []
        for rule in field(group, "rules", list, required=True):
            if not isinstance(rule, dict):
                raise ApiError(400, "filter_rules rules must be objects")
            item = {
                "field": field(rule, "field", str, required=True, choices=FILTER_FIELDS),
                "operator": field(rule, "operator", str, required=True, choices=FILTER_OPERATORS),
            }
            if "value" in rule:
                item["value"] = field(rule, "value", (str, int, float))
            elif item["operator"] not in ("exists", "not_exists"):
                raise ApiError(400, f"filter_rules: operator {item['operator']} needs a value")
            items.append(item)
        clean.append({"logic": logic, "rules": items})
    return {"enabled": enabled, "groups": clean}


def _regions(body: dict) -> list[str]:
    regions = str_list(body, "regions", nullable=False, non_empty=True)
    out = []
    for region in regions:
        if region not in REGIONS:
            raise ApiError(400, f"regions: unknown region {region}")
        out.append(REGIONS[region])
    return list(dict.fromkeys(out))


def _apply(d: ObservabilityDestination, body: dict, caller: Caller) -> None:
    if "name" in body:
        name = field(body, "name", str)
        if not name.strip() or len(name) > 200:
            raise ApiError(400, "name must be between 1 and 200 characters")
        d.name = name.strip()
    for flag in ("enabled", "privacy_mode", *BROADCAST_FLAGS):
        if flag in body:
            setattr(d, flag, field(body, flag, bool))
    if "sampling_rate" in body:
        rate = field(body, "sampling_rate", (int, float))
        if not 0.0001 <= rate <= 1:
            raise ApiError(400, "sampling_rate must be between 0.0001 and 1")
        d.sampling_rate = float(rate)
    if "api_key_hashes" in body:
        hashes = str_list(body, "api_key_hashes")
        if hashes is not None:
            own_key_hashes(caller.account, hashes, "api_key_hashes")
        d.api_key_hashes = hashes
    if "filter_rules" in body:
        d.filter_rules = _filter_rules(body)
    if "regions" in body:
        d.regions = _regions(body)


def _check_capacity(d: ObservabilityDestination) -> None:
    count = (
        ObservabilityDestination.objects.filter(
            workspace=d.workspace, type=d.type, deleted_at__isnull=True
        )
        .exclude(id=d.id)
        .count()
    )
    if count >= MAX_PER_TYPE:
        raise ApiError(
            409, f"At most {MAX_PER_TYPE} {d.type} destinations are allowed per workspace"
        )


@endpoint(auth="management", methods=("GET", "POST"))
def destinations_collection(request, caller: Caller):
    if request.method == "POST":
        return _create(request, caller)
    ws = workspace_by_ref(caller.account, request.GET.get("workspace_id"), missing_status=400)
    destinations = ObservabilityDestination.objects.filter(
        account=caller.account, workspace=ws, deleted_at__isnull=True
    ).order_by("created_at", "id")
    return paginated(request, destinations, destination_json)


def _create(request, caller: Caller):
    body = json_body(request)
    kind = field(body, "type", str, required=True, choices=tuple(TYPES))
    field(body, "name", str, required=True)
    config = field(body, "config", dict, required=True)
    ws = workspace_by_ref(caller.account, field(body, "workspace_id", str), missing_status=400)
    d = ObservabilityDestination(
        account=caller.account, workspace=ws, type=kind, regions=["global"]
    )
    _apply(d, body, caller)
    d.config = validate_config(kind, config)
    with transaction.atomic(using="sandbox"):
        _check_capacity(d)
        d.save()
    return ok(destination_json(d), status=201)


@endpoint(auth="management", methods=("GET", "PATCH", "DELETE"))
def destination_item(request, caller: Caller, destination_id: str):
    d = ObservabilityDestination.objects.filter(
        account=caller.account,
        id=parse_uuid(destination_id, "Destination"),
        deleted_at__isnull=True,
    ).first()
    if d is None:
        raise ApiError(404, "Destination not found")
    if request.method == "DELETE":
        d.deleted_at = timezone.now()
        d.enabled = False
        d.save(update_fields=["deleted_at", "enabled"])
        return JsonResponse({"deleted": True})
    if request.method == "PATCH":
        body = json_body(request)
        if "type" in body and body["type"] != d.type:
            raise ApiError(400, "type cannot be changed")
        if "regions" in body and not body["regions"]:
            raise ApiError(400, "regions cannot be cleared")
        _apply(d, body, caller)
        if "config" in body:
            incoming = field(body, "config", dict)
            merged = dict(d.config)
            current_masked = masked_config(d.config)
            for name, value in incoming.items():
                if current_masked.get(name) == value and name != "headers":
                    continue  # a masked secret sent back unchanged
                merged[name] = value
            d.config = validate_config(d.type, merged)
        d.updated_at = timezone.now()
        d.save()
    return ok(destination_json(d))

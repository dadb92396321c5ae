"""Sandbox objects rendered exactly as OpenRouter renders them (explicit nulls included)."""

from __future__ import annotations

from typing import Any

from apps.sandbox.http import iso
from apps.sandbox.models import ApiKey, Workspace
from apps.sandbox.usage import limit_remaining


def key_json(key: ApiKey, usage: dict[str, float]) -> dict[str, Any]:
    return {
        "hash": key.hash,
        "name": key.name,
        "label": key.label,
        "disabled": key.disabled,
        "limit": key.limit,
        "limit_remaining": limit_remaining(key, usage),
        "limit_reset": key.limit_reset,
        "include_byok_in_limit": key.include_byok_in_limit,
        **usage,
        "created_at": iso(key.created_at),
        "updated_at": iso(key.updated_at),
        "expires_at": iso(key.expires_at),
        "last_used_at": iso(key.last_used_at),
        "creator_user_id": key.creator_user_id,
        "external_user": key.external_user,
        "workspace_id": str(key.workspace_id),
    }


def workspace_json(ws: Workspace) -> dict[str, Any]:
    return {
        "id": str(ws.id),
        "name": ws.name,
        "slug": ws.slug,
        "description": ws.description,
        "created_at": iso(ws.created_at),
        "updated_at": iso(ws.updated_at),
        "created_by": ws.created_by,
        "default_guardrail_id": str(ws.default_guardrail_id),
        "default_text_model": ws.default_text_model,
        "default_image_model": ws.default_image_model,
        "default_provider_sort": ws.default_provider_sort,
        "disabled_server_tools": ws.disabled_server_tools,
        "io_logging_api_key_ids": ws.io_logging_api_key_ids,
        "io_logging_sampling_rate": ws.io_logging_sampling_rate,
        "is_data_discount_logging_enabled": ws.is_data_discount_logging_enabled,
        "is_observability_broadcast_enabled": ws.is_observability_broadcast_enabled,
        "is_observability_io_logging_enabled": ws.is_observability_io_logging_enabled,
        "include_byok_in_budgets": ws.include_byok_in_budgets,
    }


def activity_json(row: dict[str, Any], *, with_workspace: bool) -> dict[str, Any]:
    item = {
        "date": row["date"].isoformat(),
        "model": row["model"],
        "model_permaslug": row["model_permaslug"],
        "endpoint_id": str(row["endpoint_id"]),
        "provider_name": row["provider_name"],
        "requests": int(row["requests"]),
        "usage": round(float(row["usage"]), 6),
        "byok_usage_inference": round(float(row["byok_usage_inference"]), 6),
        "prompt_tokens": int(row["prompt_tokens"]),
        "completion_tokens": int(row["completion_tokens"]),
        "reasoning_tokens": int(row["reasoning_tokens"]),
        "cached_tokens": int(row["cached_tokens"]),
    }
    if with_workspace:
        item["workspace_id"] = str(row["workspace_id"]) if row["workspace_id"] else None
    return item


ACTIVITY_SUMS = (
    "requests",
    "usage",
    "byok_usage_inference",
    "prompt_tokens",
    "completion_tokens",
    "reasoning_tokens",
    "cached_tokens",
)

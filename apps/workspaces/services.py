"""Writes of the workspace mirror."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.core.times import as_datetime
from apps.workspaces.models import Workspace

MIRRORED_FIELDS = (
    "name",
    "slug",
    "description",
    "created_by",
    "default_guardrail_id",
    "default_text_model",
    "default_image_model",
    "default_provider_sort",
    "io_logging_api_key_ids",
    "io_logging_sampling_rate",
    "is_data_discount_logging_enabled",
    "is_observability_broadcast_enabled",
    "is_observability_io_logging_enabled",
    "disabled_server_tools",
    "include_byok_in_budgets",
    "created_at",
    "updated_at",
    "synced_at",
)


def workspace_from_upstream(organisation, data: Any) -> Workspace:
    """An unsaved ``Workspace`` holding what upstream said (an SDK ``Workspace``)."""
    return Workspace(
        organisation=organisation,
        workspace_id=str(data.id),
        name=data.name,
        slug=data.slug or "",
        description=data.description or "",
        created_by=data.created_by or "",
        default_guardrail_id=data.default_guardrail_id or "",
        default_text_model=data.default_text_model or "",
        default_image_model=data.default_image_model or "",
        default_provider_sort=data.default_provider_sort or "",
        io_logging_api_key_ids=data.io_logging_api_key_ids,
        io_logging_sampling_rate=float(data.io_logging_sampling_rate),
        is_data_discount_logging_enabled=bool(data.is_data_discount_logging_enabled),
        is_observability_broadcast_enabled=bool(data.is_observability_broadcast_enabled),
        is_observability_io_logging_enabled=bool(data.is_observability_io_logging_enabled),
        disabled_server_tools=data.disabled_server_tools or None,
        include_byok_in_budgets=bool(data.include_byok_in_budgets),
        created_at=as_datetime(data.created_at),
        updated_at=as_datetime(data.updated_at),
        synced_at=timezone.now(),
    )


def workspaces_mirror(organisation, listed: list[Any]) -> list[Workspace]:
    """Store a complete upstream listing: upsert each workspace, drop those no longer listed."""
    fresh = [workspace_from_upstream(organisation, data) for data in listed]
    with transaction.atomic():
        Workspace.objects.bulk_create(
            fresh,
            update_conflicts=True,
            unique_fields=["organisation", "workspace_id"],
            update_fields=list(MIRRORED_FIELDS),
        )
        Workspace.objects.filter(organisation=organisation).exclude(
            workspace_id__in=[w.workspace_id for w in fresh]
        ).delete()
    return fresh

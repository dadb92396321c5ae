"""Reads of the workspace mirror, scoped to one organisation."""

from __future__ import annotations

from apps.workspaces.models import Workspace


def workspace_choices(organisation) -> list[tuple[str, str]]:
    """``(workspace_id, name)`` for pickers and filters, by name."""
    return list(
        Workspace.objects.filter(organisation=organisation)
        .order_by("name", "id")
        .values_list("workspace_id", "name")
    )


def workspace_names(organisation) -> dict[str, str]:
    return dict(
        Workspace.objects.filter(organisation=organisation).values_list("workspace_id", "name")
    )


def workspace_ids(organisation) -> list[str]:
    """Every mirrored workspace id, in a stable order (the keys sync pages them in it)."""
    return list(
        Workspace.objects.filter(organisation=organisation)
        .order_by("created_at", "workspace_id")
        .values_list("workspace_id", flat=True)
    )

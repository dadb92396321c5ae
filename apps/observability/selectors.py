"""Reads for the destination pages, always scoped to one organisation; never upstream."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from apps.observability.models import Destination

STREAM = "observability"


@dataclass(frozen=True)
class DestinationFilters:
    q: str = ""
    type: str = ""
    workspace: str = ""
    state: str = ""  # "enabled" | "disabled"


def destinations_list(organisation, filters: DestinationFilters = DestinationFilters()):
    qs = Destination.objects.filter(organisation=organisation)
    if filters.type:
        qs = qs.filter(type=filters.type)
    if filters.workspace:
        qs = qs.filter(workspace_id=filters.workspace)
    if filters.state:
        qs = qs.filter(enabled=filters.state == "enabled")
    if q := filters.q.strip():
        qs = qs.filter(name__icontains=q)
    return list(qs)


def type_counts(organisation, workspace_id: str) -> Counter:
    """How many destinations of each type one workspace has (upstream allows 5 per type)."""
    return Counter(
        Destination.objects.filter(
            organisation=organisation, workspace_id=workspace_id
        ).values_list("type", flat=True)
    )


def types_in_use(organisation) -> list[str]:
    return sorted(
        set(Destination.objects.filter(organisation=organisation).values_list("type", flat=True))
    )

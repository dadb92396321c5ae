"""Reads for the preset pages, scoped to one organisation; never upstream."""

from __future__ import annotations

from django.db.models import Count, Prefetch

from apps.presets.models import Preset, PresetVersion

STREAM = "presets"


def presets_list(organisation, q: str = "") -> list[Preset]:
    qs = (
        Preset.objects.filter(organisation=organisation)
        .annotate(version_count=Count("versions"))
        .prefetch_related(Prefetch("versions", queryset=PresetVersion.objects.order_by("version")))
    )
    if q := q.strip():
        qs = qs.filter(slug__icontains=q) | qs.filter(name__icontains=q)
    return list(qs)


def versions_of(preset: Preset) -> list[PresetVersion]:
    return list(preset.versions.order_by("-version"))

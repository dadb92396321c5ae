"""Reads for the preset pages, scoped to one organisation; never upstream."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass

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


@dataclass(frozen=True)
class SettingChange:
    key: str
    a: str
    b: str

    @property
    def changed(self) -> bool:
        return self.a != self.b


@dataclass(frozen=True)
class PromptLine:
    kind: str  # "same" | "removed" | "added"
    text: str


def _shown(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def versions_diff(a: PresetVersion, b: PresetVersion) -> dict:
    """Two versions side by side: every config key with both values, and the system prompt
    as a line diff (``removed`` from ``a``, ``added`` in ``b``)."""
    keys = sorted(set(a.config) | set(b.config), key=lambda k: (k != "model", k))
    settings = [SettingChange(k, _shown(a.config.get(k)), _shown(b.config.get(k))) for k in keys]
    lines = []
    for line in difflib.ndiff(a.system_prompt.splitlines(), b.system_prompt.splitlines()):
        tag, text = line[:2], line[2:]
        if tag == "? ":
            continue
        lines.append(PromptLine({"- ": "removed", "+ ": "added"}.get(tag, "same"), text))
    return {
        "settings": settings,
        "changed": sum(s.changed for s in settings),
        "prompt": lines,
        "prompt_changed": a.system_prompt != b.system_prompt,
    }

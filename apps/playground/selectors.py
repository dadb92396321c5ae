"""Reads of the playground's own rows, always one person's within one organisation."""

from __future__ import annotations

from apps.playground.models import PlaygroundRun


def runs_recent(organisation, user, limit: int = 10) -> list[PlaygroundRun]:
    return list(PlaygroundRun.objects.filter(organisation=organisation, user=user)[:limit])

"""Reads of the playground's own rows, always one person's within one organisation."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.playground.models import PlaygroundRun, SavedExchange


def runs_recent(organisation, user, limit: int = 10) -> list[PlaygroundRun]:
    return list(PlaygroundRun.objects.filter(organisation=organisation, user=user)[:limit])


def exchanges_saved(organisation, user, *, q: str = "", modality: str = "") -> QuerySet:
    """One person's saved exchanges, newest first; ``q`` searches the model, what was asked
    and what came back."""
    found = SavedExchange.objects.filter(organisation=organisation, user=user)
    if modality:
        found = found.filter(modality=modality)
    if q:
        found = found.filter(
            Q(model__icontains=q) | Q(prompt__icontains=q) | Q(answer__icontains=q)
        )
    return found

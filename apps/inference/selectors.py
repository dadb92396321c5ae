"""Reads for the inference pages, scoped to the organisation."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.inference.models import ConsoleKey, InferenceSettings
from apps.keys.models import Key


def settings_of(organisation) -> InferenceSettings:
    found = InferenceSettings.objects.filter(organisation=organisation).first()
    return found or InferenceSettings(organisation=organisation)


def console_key_of(organisation, user) -> ConsoleKey | None:
    return ConsoleKey.objects.filter(
        organisation=organisation, user=user, purpose=ConsoleKey.Purpose.PLAYGROUND, active=True
    ).first()


def console_keys(organisation) -> QuerySet[ConsoleKey]:
    return ConsoleKey.objects.filter(organisation=organisation, active=True).select_related("user")


def key_usage(organisation, key_hash: str) -> Key | None:
    """The mirrored key (usage today, limit remaining), if the keys sync has seen it."""
    return Key.objects.filter(organisation=organisation, hash=key_hash).first()

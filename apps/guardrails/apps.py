from __future__ import annotations

from django.apps import AppConfig


class GuardrailsConfig(AppConfig):
    name = "apps.guardrails"
    label = "guardrails"

    def ready(self) -> None:
        from apps.guardrails import syncs

        syncs.register_streams()

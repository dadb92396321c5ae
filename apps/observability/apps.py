from __future__ import annotations

from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "apps.observability"
    label = "observability"
    verbose_name = "Observability destinations"

    def ready(self) -> None:
        from apps.observability import syncs

        syncs.register_streams()

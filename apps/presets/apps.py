from __future__ import annotations

from django.apps import AppConfig


class PresetsConfig(AppConfig):
    name = "apps.presets"
    label = "presets"
    verbose_name = "Presets"

    def ready(self) -> None:
        from apps.presets import syncs

        syncs.register_streams()

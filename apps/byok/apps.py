from __future__ import annotations

from django.apps import AppConfig


class ByokConfig(AppConfig):
    name = "apps.byok"
    label = "byok"
    verbose_name = "BYOK provider keys"

    def ready(self) -> None:
        from apps.byok import forms, syncs

        syncs.register_streams()
        forms.register_pick_sources()

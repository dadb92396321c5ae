from __future__ import annotations

from django.apps import AppConfig


class SpendConfig(AppConfig):
    name = "apps.spend"
    label = "spend"

    def ready(self) -> None:
        from apps.spend import syncs

        syncs.register_streams()

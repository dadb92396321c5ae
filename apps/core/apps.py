from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"

    def ready(self) -> None:
        from django.urls import register_converter

        from apps.core.converters import IdConverter

        # Before any URL conf is read: every id in a console path is <id:...>.
        register_converter(IdConverter, "id")

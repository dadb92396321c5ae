from __future__ import annotations

from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "apps.media"
    label = "media"
    verbose_name = "Video jobs, files and generations"

    def ready(self) -> None:
        from apps.media import syncs

        syncs.register_streams()

from __future__ import annotations

from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "apps.members"
    label = "members"

    def ready(self) -> None:
        from apps.members import syncs

        syncs.register_streams()

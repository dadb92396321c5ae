from __future__ import annotations

from django.apps import AppConfig


class SpendConfig(AppConfig):
    name = "apps.spend"
    label = "spend"

    def ready(self) -> None:
        from apps.keys.signals import workspaces_listed
        from apps.spend.sync import workspaces_store

        workspaces_listed.connect(workspaces_store, dispatch_uid="spend.workspaces_store")

from __future__ import annotations

from django.apps import AppConfig


class SyncsConfig(AppConfig):
    name = "apps.syncs"
    label = "syncs"

from __future__ import annotations

from django.apps import AppConfig


class SpendConfig(AppConfig):
    name = "apps.spend"
    label = "spend"

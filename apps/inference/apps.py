from __future__ import annotations

from django.apps import AppConfig


class InferenceConfig(AppConfig):
    name = "apps.inference"
    label = "inference"
    verbose_name = "Inference keys"

    def ready(self) -> None:
        from apps.inference import signals  # noqa: F401

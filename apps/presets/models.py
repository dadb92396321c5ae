"""The local mirror of presets and every version of each (``/presets``)."""

from __future__ import annotations

import json

from django.db import models
from django.utils import timezone


class Preset(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    preset_id = models.CharField(max_length=64)
    slug = models.CharField(max_length=100)
    name = models.CharField(max_length=200, blank=True, default="")
    description = models.TextField(blank=True, default="")
    status = models.CharField(max_length=20, default="active")
    workspace_id = models.CharField(max_length=64, blank=True, default="")
    creator_user_id = models.CharField(max_length=100, blank=True, default="")
    designated_version_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="preset_org_slug")
        ]

    def __str__(self) -> str:
        return self.slug

    @property
    def designated(self) -> PresetVersion | None:
        return next(
            (v for v in self.versions.all() if v.version_id == self.designated_version_id), None
        )


class PresetVersion(models.Model):
    preset = models.ForeignKey(Preset, on_delete=models.CASCADE, related_name="versions")
    version_id = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    system_prompt = models.TextField(blank=True, default="")
    config = models.JSONField(default=dict, blank=True)
    creator_id = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["preset", "version"]
        constraints = [
            models.UniqueConstraint(fields=["preset", "version"], name="preset_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.preset.slug} v{self.version}"

    @property
    def model(self) -> str:
        return str(self.config.get("model") or "")

    @property
    def settings(self) -> list[tuple[str, str]]:
        """The config besides the model, each value as JSON (as upstream stores it)."""
        return [
            (k, v if isinstance(v, str) else json.dumps(v))
            for k, v in sorted(self.config.items())
            if k != "model"
        ]

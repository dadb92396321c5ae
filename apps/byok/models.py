"""The local mirror of BYOK provider credentials (``/byok``). The secret is never stored:
upstream keeps it, and answers only with its masked ``label``."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Region(models.TextChoices):
    UNDECLARED = "", "Not declared (follow the endpoint's region)"
    GLOBAL = "global", "Global"
    EUROPE = "europe", "Europe"
    US = "us", "United States"


class ByokCredential(models.Model):
    """One credential, with every field of the SDK's ``BYOKKey``."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    byok_id = models.CharField(max_length=64)  # upstream's uuid ``id``
    provider = models.CharField(max_length=100)
    name = models.CharField(max_length=255, blank=True, default="")
    label = models.CharField(max_length=80, blank=True, default="")  # masked, e.g. sk-...AbCd
    # "" = shared by every workspace (upstream's null), not the default workspace.
    workspace_id = models.CharField(max_length=64, blank=True, default="")
    disabled = models.BooleanField(default=False)
    is_fallback = models.BooleanField(default=False)
    is_required = models.BooleanField(default=False)
    is_byok_only = models.BooleanField(default=False)
    sort_order = models.IntegerField(default=0)
    # None: no restriction (upstream's null); otherwise the allowlist.
    allowed_models = models.JSONField(null=True, blank=True)
    allowed_user_ids = models.JSONField(null=True, blank=True)
    allowed_api_key_hashes = models.JSONField(null=True, blank=True)
    declared_region = models.CharField(
        max_length=10, blank=True, default="", choices=Region.choices
    )
    declared_zdr = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["provider", "workspace_id", "is_fallback", "sort_order", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "byok_id"], name="byok_org_id")
        ]
        indexes = [models.Index(fields=["organisation", "provider"], name="byok_org_provider")]

    def __str__(self) -> str:
        return self.name or f"{self.provider} {self.label}"

    @property
    def display_name(self) -> str:
        return self.name or self.label or self.byok_id

    @property
    def is_shared(self) -> bool:
        return not self.workspace_id

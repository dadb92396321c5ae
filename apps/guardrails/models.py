"""The local mirror of guardrails (``/guardrails``) and of their key and member assignments.

A guardrail does nothing until it is assigned (to keys, to members, or as a workspace's
default); a key and a member hold at most one guardrail each, and assigning replaces.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Guardrail(models.Model):
    """One guardrail, with every field of the SDK's ``Guardrail``."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    guardrail_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    workspace_id = models.CharField(max_length=64, blank=True, default="")
    limit_usd = models.FloatField(null=True, blank=True)
    reset_interval = models.CharField(max_length=10, blank=True, default="")
    include_byok_in_budgets = models.BooleanField(default=False)
    # None: no restriction (upstream's null); otherwise the list.
    allowed_models = models.JSONField(null=True, blank=True)
    ignored_models = models.JSONField(null=True, blank=True)
    allowed_providers = models.JSONField(null=True, blank=True)
    ignored_providers = models.JSONField(null=True, blank=True)
    allowed_data_regions = models.JSONField(null=True, blank=True)
    content_filters = models.JSONField(null=True, blank=True)
    content_filter_builtins = models.JSONField(null=True, blank=True)
    enforce_zdr = models.BooleanField(null=True, blank=True)  # deprecated upstream
    enforce_zdr_anthropic = models.BooleanField(null=True, blank=True)
    enforce_zdr_google = models.BooleanField(null=True, blank=True)
    enforce_zdr_openai = models.BooleanField(null=True, blank=True)
    enforce_zdr_xai = models.BooleanField(null=True, blank=True)
    enforce_zdr_other = models.BooleanField(null=True, blank=True)
    allow_safety_retention_google = models.BooleanField(null=True, blank=True)
    allow_safety_retention_other = models.BooleanField(null=True, blank=True)
    enable_free_model_publication = models.BooleanField(null=True, blank=True)
    enable_free_model_training = models.BooleanField(null=True, blank=True)
    enable_paid_model_training = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "guardrail_id"], name="guardrail_org_upstream_id"
            )
        ]

    def __str__(self) -> str:
        return self.name


class GuardrailKeyAssignment(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    guardrail_id = models.CharField(max_length=64)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One guardrail per key.
            models.UniqueConstraint(fields=["organisation", "key_hash"], name="guardrail_key_uniq")
        ]
        indexes = [models.Index(fields=["organisation", "guardrail_id"], name="guardrail_key_g")]

    def __str__(self) -> str:
        return f"{self.key_hash} → {self.guardrail_id}"


class GuardrailMemberAssignment(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    guardrail_id = models.CharField(max_length=64)
    user_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One guardrail per member.
            models.UniqueConstraint(
                fields=["organisation", "user_id"], name="guardrail_member_uniq"
            )
        ]
        indexes = [models.Index(fields=["organisation", "guardrail_id"], name="guardrail_member_g")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.guardrail_id}"

"""The local mirror of the organisation's workspaces: the one place the console knows them."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Workspace(models.Model):
    """One upstream workspace, with every field the SDK's ``Workspace`` model carries."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="workspaces"
    )
    workspace_id = models.CharField(max_length=64)
    name = models.CharField(max_length=100)
    slug = models.CharField(max_length=100, blank=True, default="")
    description = models.TextField(blank=True, default="")
    created_by = models.CharField(max_length=64, blank=True, default="")
    default_guardrail_id = models.CharField(max_length=64, blank=True, default="")
    default_text_model = models.CharField(max_length=160, blank=True, default="")
    default_image_model = models.CharField(max_length=160, blank=True, default="")
    default_provider_sort = models.CharField(max_length=20, blank=True, default="")
    # None: every key's I/O is logged; otherwise only these keys' (upstream's numeric ids).
    io_logging_api_key_ids = models.JSONField(null=True, blank=True)
    io_logging_sampling_rate = models.FloatField(default=1.0)
    is_data_discount_logging_enabled = models.BooleanField(default=False)
    is_observability_broadcast_enabled = models.BooleanField(default=False)
    is_observability_io_logging_enabled = models.BooleanField(default=False)
    disabled_server_tools = models.JSONField(null=True, blank=True)
    include_byok_in_budgets = models.BooleanField(default=False)
    created_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "workspace_id"], name="workspace_org_upstream_id"
            )
        ]

    def __str__(self) -> str:
        return self.name


class WorkspaceMember(models.Model):
    """One member of one workspace (``/workspaces/{id}/members``), mirrored."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    workspace_id = models.CharField(max_length=64)
    user_id = models.CharField(max_length=64)
    role = models.CharField(max_length=20, blank=True, default="")
    created_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["workspace_id", "user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "workspace_id", "user_id"], name="workspace_member_uniq"
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "user_id"], name="workspace_member_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.workspace_id}"

"""The sandbox's own state: accounts (each an OpenRouter organisation) and their data.

Stored in the ``sandbox`` database alias (see ``routers.py``), never beside console rows.
"""

from __future__ import annotations

import hashlib
import uuid

from django.db import models
from django.utils import timezone


def secret_hash(secret: str) -> str:
    """Keys are identified upstream by the SHA-256 of their secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def masked_label(secret: str) -> str:
    """``sk-or-v1-abc...123``: the prefix, three characters, and the last three."""
    prefix, _, body = secret.rpartition("-")
    return f"{prefix}-{body[:3]}...{body[-3:]}"


class Account(models.Model):
    """One upstream account (an OpenRouter organisation) with its own data and keys."""

    id = models.CharField(primary_key=True, max_length=40)  # org_…
    name = models.CharField(max_length=120)
    owner_user_id = models.CharField(max_length=40)
    total_credits = models.DecimalField(max_digits=14, decimal_places=6, default=0)
    # Fault injection for every request of this account (same syntax as the header).
    fault = models.CharField(max_length=200, blank=True, default="")
    fault_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="members")
    user_id = models.CharField(max_length=40)  # user_…
    email = models.EmailField()
    first_name = models.CharField(max_length=60, null=True, blank=True)
    last_name = models.CharField(max_length=60, null=True, blank=True)
    role = models.CharField(max_length=20, default="org:member")  # org:admin | org:member
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "user_id"], name="sbx_member_uniq")
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.email


class Workspace(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="workspaces")
    name = models.CharField(max_length=100)
    slug = models.CharField(max_length=100)
    description = models.CharField(max_length=500, null=True, blank=True)
    is_default = models.BooleanField(default=False)
    created_by = models.CharField(max_length=40, null=True, blank=True)
    default_guardrail_id = models.UUIDField(default=uuid.uuid4)
    default_text_model = models.CharField(max_length=200, null=True, blank=True)
    default_image_model = models.CharField(max_length=200, null=True, blank=True)
    default_provider_sort = models.CharField(max_length=20, null=True, blank=True)
    disabled_server_tools = models.JSONField(null=True, blank=True)
    io_logging_api_key_ids = models.JSONField(null=True, blank=True)
    io_logging_sampling_rate = models.FloatField(default=1.0)
    is_data_discount_logging_enabled = models.BooleanField(default=False)
    is_observability_broadcast_enabled = models.BooleanField(default=False)
    is_observability_io_logging_enabled = models.BooleanField(default=False)
    include_byok_in_budgets = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "slug"], name="sbx_workspace_slug")
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.slug


class ApiKey(models.Model):
    """An API key. Only its hash is stored: the secret leaves the sandbox once, at create."""

    hash = models.CharField(primary_key=True, max_length=64)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="keys")
    workspace = models.ForeignKey(Workspace, on_delete=models.PROTECT, related_name="keys")
    numeric_id = models.BigIntegerField(unique=True)
    name = models.CharField(max_length=200)
    label = models.CharField(max_length=40)
    is_management = models.BooleanField(default=False)
    disabled = models.BooleanField(default=False)
    limit = models.FloatField(null=True, blank=True)
    limit_reset = models.CharField(max_length=10, null=True, blank=True)
    include_byok_in_limit = models.BooleanField(default=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    creator_user_id = models.CharField(max_length=40, null=True, blank=True)
    external_user = models.CharField(max_length=200, null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-numeric_id"]
        indexes = [
            models.Index(fields=["account", "workspace", "-created_at"], name="sbx_key_list")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class ActivityRecord(models.Model):
    """Spend of one key on one model endpoint on one UTC day: the sandbox's usage ledger.

    ``/activity``, ``/credits``, key usage counters and analytics are all derived from it.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="activity")
    date = models.DateField()
    key_hash = models.CharField(max_length=64, null=True, blank=True)
    user_id = models.CharField(max_length=40, null=True, blank=True)
    workspace = models.ForeignKey(Workspace, on_delete=models.SET_NULL, null=True, related_name="+")
    model = models.CharField(max_length=120)
    model_permaslug = models.CharField(max_length=160)
    endpoint_id = models.UUIDField()
    provider_name = models.CharField(max_length=80)
    requests = models.IntegerField(default=0)
    usage = models.FloatField(default=0)
    byok_usage_inference = models.FloatField(default=0)
    prompt_tokens = models.BigIntegerField(default=0)
    completion_tokens = models.BigIntegerField(default=0)
    reasoning_tokens = models.BigIntegerField(default=0)
    cached_tokens = models.BigIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["account", "date"], name="sbx_activity_date"),
            models.Index(fields=["account", "key_hash", "date"], name="sbx_activity_key"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.model_permaslug} {self.usage}"

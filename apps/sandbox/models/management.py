"""Management-side sandbox state: workspace members and budgets, BYOK, guardrails,
observability destinations, presets, organisation settings, and generations.

Every row belongs to one ``Account`` (directly or through its workspace), so one
account never sees another's objects.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from apps.sandbox.models.core import Account, ApiKey, Workspace

BUDGET_INTERVALS = ("lifetime", "monthly", "weekly", "daily")  # broadest first


class WorkspaceMembership(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user_id = models.CharField(max_length=40)
    role = models.CharField(max_length=10, default="member")  # admin | member
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user_id"], name="sbx_ws_member_uniq")
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.workspace_id}"


class WorkspaceBudget(models.Model):
    """One spend cap per (workspace, interval); ``lifetime`` is ``reset_interval: null``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="budgets")
    interval = models.CharField(max_length=10)  # lifetime | monthly | weekly | daily
    limit_usd = models.FloatField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "interval"], name="sbx_ws_budget_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.interval} {self.limit_usd}"


class ByokKey(models.Model):
    """A provider credential. ``secret`` never leaves the sandbox; deletes are soft."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="byok_keys")
    workspace = models.ForeignKey(
        Workspace, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    provider = models.CharField(max_length=60)
    name = models.CharField(max_length=200, null=True, blank=True)
    label = models.CharField(max_length=40)
    secret = models.TextField(blank=True, default="")
    disabled = models.BooleanField(default=False)
    is_fallback = models.BooleanField(default=False)
    is_required = models.BooleanField(default=False)
    is_byok_only = models.BooleanField(default=False)
    sort_order = models.IntegerField(default=0)
    allowed_models = models.JSONField(null=True, blank=True)
    allowed_user_ids = models.JSONField(null=True, blank=True)
    allowed_api_key_hashes = models.JSONField(null=True, blank=True)
    declared_region = models.CharField(max_length=10, null=True, blank=True)
    declared_zdr = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["provider", "sort_order", "created_at"]

    def __str__(self) -> str:
        return f"{self.provider} {self.label}"


class Guardrail(models.Model):
    """A policy; it applies only through assignments (or as a workspace's default)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="guardrails")
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, null=True, blank=True, related_name="guardrails"
    )
    name = models.CharField(max_length=200)
    description = models.CharField(max_length=1000, null=True, blank=True)
    limit_usd = models.FloatField(null=True, blank=True)
    reset_interval = models.CharField(max_length=10, null=True, blank=True)
    include_byok_in_budgets = models.BooleanField(default=False)
    allowed_models = models.JSONField(null=True, blank=True)
    ignored_models = models.JSONField(null=True, blank=True)
    allowed_providers = models.JSONField(null=True, blank=True)
    ignored_providers = models.JSONField(null=True, blank=True)
    # The remaining nullable policy fields (ZDR flags, training/publication flags,
    # data regions, content filters) exactly as the API names them.
    policy = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return self.name


class GuardrailKeyAssignment(models.Model):
    """At most one guardrail per key: assigning another replaces this row."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    guardrail = models.ForeignKey(Guardrail, on_delete=models.CASCADE, related_name="key_links")
    key = models.OneToOneField(ApiKey, on_delete=models.CASCADE, related_name="guardrail_link")
    assigned_by = models.CharField(max_length=40, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.key_id} -> {self.guardrail_id}"


class GuardrailMemberAssignment(models.Model):
    """At most one guardrail per organisation member."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    guardrail = models.ForeignKey(Guardrail, on_delete=models.CASCADE, related_name="member_links")
    user_id = models.CharField(max_length=40)
    assigned_by = models.CharField(max_length=40, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "user_id"], name="sbx_guardrail_member")
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.user_id} -> {self.guardrail_id}"


class ObservabilityDestination(models.Model):
    """A broadcast destination; ``config`` holds secrets in clear, the API masks them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="destinations")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=30)
    name = models.CharField(max_length=200, null=True, blank=True)
    enabled = models.BooleanField(default=True)
    privacy_mode = models.BooleanField(default=False)
    sampling_rate = models.FloatField(default=1.0)
    api_key_hashes = models.JSONField(null=True, blank=True)
    filter_rules = models.JSONField(null=True, blank=True)
    regions = models.JSONField(default=list)
    broadcast_generation_cost = models.BooleanField(default=False)
    broadcast_generation_cost_allocation = models.BooleanField(default=False)
    broadcast_generation_identity = models.BooleanField(default=False)
    broadcast_generation_request_context = models.BooleanField(default=False)
    config = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.type} {self.name}"


class Preset(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="presets")
    workspace = models.ForeignKey(
        Workspace, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    slug = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    description = models.CharField(max_length=1000, null=True, blank=True)
    status = models.CharField(max_length=10, default="active")
    status_updated_at = models.DateTimeField(null=True, blank=True)
    creator_user_id = models.CharField(max_length=40, null=True, blank=True)
    designated_version = models.ForeignKey(
        "PresetVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "slug"], name="sbx_preset_slug")]
        ordering = ["-updated_at", "id"]

    def __str__(self) -> str:
        return self.slug


class PresetVersion(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    preset = models.ForeignKey(Preset, on_delete=models.CASCADE, related_name="versions")
    version = models.IntegerField()
    config = models.JSONField(default=dict)
    system_prompt = models.TextField(null=True, blank=True)
    creator_id = models.CharField(max_length=40, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["preset", "version"], name="sbx_preset_version")
        ]
        ordering = ["version"]

    def __str__(self) -> str:
        return f"{self.preset_id} v{self.version}"


class OrganizationSettings(models.Model):
    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, primary_key=True, related_name="settings"
    )
    is_filtered_model_catalog_enabled = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"settings of {self.account_id}"


class Generation(models.Model):
    """One inference request as ``GET /generation`` reports it (field names = the API's).

    Written by inference (``metering.py``) and by the demo seed; read by ``/generation``
    and ``/generation/content``. Every API field is a column; nullable ones default to
    null so a writer only sets what it knows.
    """

    id = models.CharField(primary_key=True, max_length=64)  # gen-<unix>-<20 alnum>
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="generations")
    key_hash = models.CharField(max_length=64, null=True, blank=True)
    user_id = models.CharField(max_length=40, null=True, blank=True)
    workspace = models.ForeignKey(
        Workspace, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    model = models.CharField(max_length=160)  # the permaslug served
    origin = models.CharField(max_length=300, default="")
    api_type = models.CharField(max_length=20, null=True, blank=True, default="completions")
    data_region = models.CharField(max_length=10, default="global")
    is_byok = models.BooleanField(default=False)
    total_cost = models.FloatField(default=0.0)
    usage = models.FloatField(default=0.0)
    upstream_inference_cost = models.FloatField(null=True, blank=True)
    cache_discount = models.FloatField(null=True, blank=True)
    provider_name = models.CharField(max_length=80, null=True, blank=True)
    finish_reason = models.CharField(max_length=40, null=True, blank=True)
    native_finish_reason = models.CharField(max_length=40, null=True, blank=True)
    tokens_prompt = models.IntegerField(null=True, blank=True)
    tokens_completion = models.IntegerField(null=True, blank=True)
    native_tokens_prompt = models.IntegerField(null=True, blank=True)
    native_tokens_completion = models.IntegerField(null=True, blank=True)
    native_tokens_completion_images = models.IntegerField(null=True, blank=True)
    native_tokens_reasoning = models.IntegerField(null=True, blank=True)
    native_tokens_cached = models.IntegerField(null=True, blank=True)
    num_media_prompt = models.IntegerField(null=True, blank=True)
    num_media_completion = models.IntegerField(null=True, blank=True)
    num_input_audio_prompt = models.IntegerField(null=True, blank=True)
    num_search_results = models.IntegerField(null=True, blank=True)
    num_fetches = models.IntegerField(null=True, blank=True)
    latency = models.FloatField(null=True, blank=True)  # ms to first token
    generation_time = models.FloatField(null=True, blank=True)  # ms
    moderation_latency = models.FloatField(null=True, blank=True)
    streamed = models.BooleanField(null=True, blank=True)
    cancelled = models.BooleanField(null=True, blank=True)
    upstream_id = models.CharField(max_length=120, null=True, blank=True)
    app_id = models.IntegerField(null=True, blank=True)
    http_referer = models.CharField(max_length=300, null=True, blank=True)
    user_agent = models.CharField(max_length=300, null=True, blank=True)
    external_user = models.CharField(max_length=200, null=True, blank=True)
    preset_id = models.CharField(max_length=64, null=True, blank=True)
    router = models.CharField(max_length=60, null=True, blank=True)
    service_tier = models.CharField(max_length=20, null=True, blank=True)
    web_search_engine = models.CharField(max_length=40, null=True, blank=True)
    provider_responses = models.JSONField(null=True, blank=True)  # [{status, provider_name, …}]
    request_id = models.CharField(max_length=64, null=True, blank=True)
    session_id = models.CharField(max_length=200, null=True, blank=True)
    response_cache_source_id = models.CharField(max_length=64, null=True, blank=True)
    # Stored content for /generation/content (null = not stored → 404 there).
    content_input = models.JSONField(null=True, blank=True)  # {"messages": [...]} | {"prompt": str}
    content_output = models.JSONField(null=True, blank=True)  # {"completion": …, "reasoning": …}
    content_error = models.JSONField(null=True, blank=True)  # GenerationContentError shape

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "-created_at"], name="sbx_generation_recent")]

    def __str__(self) -> str:
        return self.id

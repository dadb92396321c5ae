"""Video jobs, files and generations as the console keeps them.

Upstream has no "list jobs" call, so :class:`VideoJob` *is* the list: jobs submitted through
the console, plus job ids pasted in by someone entitled to them. The poller (``services/
poller.py``) follows every job that is not terminal into this table; pages read only here.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.core.fields import EncryptedTextField


class VideoModel(models.Model):
    """One entry of ``GET /videos/models``: what a model supports and what it costs."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="video_models"
    )
    model_id = models.CharField(max_length=160)
    name = models.CharField(max_length=200)
    resolutions = models.JSONField(default=list)
    durations = models.JSONField(default=list)
    aspect_ratios = models.JSONField(default=list)
    sizes = models.JSONField(default=list)
    frame_images = models.JSONField(default=list)
    generate_audio = models.BooleanField(default=False)
    seed = models.BooleanField(default=False)
    pricing_skus = models.JSONField(default=dict)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "model_id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "model_id"], name="video_model_uniq")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def price_per_second(self) -> float | None:
        """USD per second of video, from ``pricing_skus`` (``None`` when upstream gives none)."""
        for sku in ("per_second", "video_per_second", "per_second_no_audio"):
            value = (self.pricing_skus or {}).get(sku)
            if value not in (None, ""):
                try:
                    return float(value)
                except (TypeError, ValueError):
                    return None
        return None


class JobStatus(models.TextChoices):
    SUBMITTING = "submitting", "Submitting"
    # Upstream did not confirm (a timeout or an ambiguous failure): the job may exist.
    UNCONFIRMED = "unconfirmed", "Not confirmed"
    # Upstream charged the key for it, but its id never reached the console.
    ACCEPTED_UNKNOWN = "accepted_unknown", "Accepted, id unknown"
    REFUSED = "refused", "Refused"
    PENDING = "pending", "Pending"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


ACTIVE = (JobStatus.PENDING, JobStatus.IN_PROGRESS)
TERMINAL = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.EXPIRED)
# Rows that are jobs (the list leaves out refused submissions and those still being sent).
LISTED = (*ACTIVE, *TERMINAL, JobStatus.UNCONFIRMED, JobStatus.ACCEPTED_UNKNOWN)


class VideoJob(models.Model):
    class Origin(models.TextChoices):
        SUBMITTED = "submitted", "Submitted here"
        PASTED = "pasted", "Added by id"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="video_jobs"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="video_jobs",
    )
    owner_label = models.CharField(max_length=254, blank=True, default="")
    # One per form shown: a double click or a resend of the same form finds this row.
    submit_token = models.UUIDField(default=uuid.uuid4)
    # Null until upstream accepted the job (unique when set, so the same job is never twice).
    job_id = models.CharField(max_length=80, null=True, blank=True)  # noqa: DJ001
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.SUBMITTED)
    # The key that made (or looked up) the job: a console key, or a session key's hash.
    key_hash = models.CharField(max_length=64, blank=True, default="")
    key_label = models.CharField(max_length=40, blank=True, default="")
    model = models.CharField(max_length=160)
    prompt = models.TextField(blank=True, default="")
    params = models.JSONField(default=dict, blank=True)
    estimated_cost = models.FloatField(null=True, blank=True)
    # The key's usage before the first attempt: after a timeout, the check before resending.
    usage_before = models.FloatField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=JobStatus.choices, default=JobStatus.SUBMITTING
    )
    error = models.CharField(max_length=500, blank=True, default="")
    cost = models.FloatField(null=True, blank=True)
    is_byok = models.BooleanField(default=False)
    generation_id = models.CharField(max_length=80, blank=True, default="")
    # Upstream's unsigned content URLs (they need a key: never sent to a browser).
    content_urls = models.JSONField(default=list, blank=True)
    content_expires_at = models.DateTimeField(null=True, blank=True)
    content_expired = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    terminal_at = models.DateTimeField(null=True, blank=True)
    # The poller's state: when next, how often so far, and the lease of the poll in flight.
    next_poll_at = models.DateTimeField(null=True, blank=True)
    polls = models.PositiveIntegerField(default=0)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_poll_error = models.CharField(max_length=300, blank=True, default="")
    lease_token = models.CharField(max_length=32, blank=True, default="")
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "submit_token"], name="video_job_submit_once"
            ),
            models.UniqueConstraint(
                fields=["organisation", "job_id"],
                condition=Q(job_id__isnull=False),
                name="video_job_upstream_id",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_poll_at"], name="video_job_due"),
            models.Index(fields=["organisation", "owner", "-submitted_at"], name="video_job_owner"),
            models.Index(fields=["organisation", "-submitted_at"], name="video_job_list"),
            models.Index(fields=["organisation", "generation_id"], name="video_job_generation"),
        ]

    def __str__(self) -> str:
        return self.job_id or f"video job {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def content_available(self) -> bool:
        if self.status != JobStatus.COMPLETED or self.content_expired or not self.content_urls:
            return False
        return self.content_expires_at is None or self.content_expires_at > timezone.now()


class VideoJobEvent(models.Model):
    """One status a job reached, once, with when the console learned it."""

    job = models.ForeignKey(VideoJob, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=JobStatus.choices)
    at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=16, default="poll")  # submit / poll / callback
    message = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["job", "status"], name="video_job_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.job_id}: {self.status}"


class PollBudget(models.Model):
    """The per-organisation bound on poll calls: a token bucket, and a pause after a 429."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="poll_budget"
    )
    tokens = models.FloatField(default=0)
    refilled_at = models.DateTimeField(default=timezone.now)
    paused_until = models.DateTimeField(null=True, blank=True)
    calls = models.PositiveBigIntegerField(default=0)  # every poll dispatched, ever

    def __str__(self) -> str:
        return f"Poll budget of {self.organisation_id}"


class CallbackReceipt(models.Model):
    """An ``X-OpenRouter-Idempotency-Key`` already applied, so a redelivery changes nothing."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    idempotency_key = models.CharField(max_length=160)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "idempotency_key"], name="callback_once"
            )
        ]

    def __str__(self) -> str:
        return self.idempotency_key


class MediaFile(models.Model):
    """A file of one workspace (``/files``), mirrored by the files stream and on upload."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="media_files"
    )
    file_id = models.CharField(max_length=80)
    workspace_id = models.CharField(max_length=64, blank=True, default="")
    filename = models.CharField(max_length=255)
    mime_type = models.CharField(max_length=120, blank=True, default="")
    size_bytes = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    downloadable = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="media_files",
    )
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "file_id"], name="media_file_uniq")
        ]
        indexes = [
            models.Index(fields=["organisation", "-created_at", "-id"], name="media_file_list"),
            models.Index(fields=["organisation", "uploaded_by"], name="media_file_owner"),
        ]

    def __str__(self) -> str:
        return self.filename


class Generation(models.Model):
    """A generation someone looked up (``GET /generation``), kept so it can be found again."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="generations"
    )
    generation_id = models.CharField(max_length=80)
    # Whose it is, when the console knows (the owner of the job that made it).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    looked_up_by = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    model = models.CharField(max_length=160, blank=True, default="")
    provider_name = models.CharField(max_length=100, blank=True, default="")
    total_cost = models.FloatField(default=0)
    created_at = models.DateTimeField(null=True, blank=True)
    # The whole upstream object (field names as the SDK has them).
    data = models.JSONField(default=dict)
    # The stored input/output (``/generation/content``), encrypted: prompts may hold secrets.
    content = EncryptedTextField(blank=True, default="", editable=False)
    content_state = models.CharField(max_length=16, blank=True, default="")  # stored / none
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-fetched_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "generation_id"], name="generation_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.generation_id

"""Sync state and history for every (organisation, stream), whichever app owns the stream.

``SyncState`` is the lock (a token with a short lease that the running task renews), the
resume point of an unfinished pass, and the latest outcome the pages show. ``SyncRun`` is
one run's record: outcome, rows written, upstream calls, duration.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class SyncState(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="sync_states"
    )
    stream = models.CharField(max_length=32)
    lock_token = models.CharField(max_length=32, blank=True, default="")
    locked_until = models.DateTimeField(null=True, blank=True)
    # "Sync now" was asked for and not yet served: the page polls until a run finishes.
    requested_at = models.DateTimeField(null=True, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    last_message = models.CharField(max_length=500, blank=True, default="")
    rows_written = models.IntegerField(default=0)
    consecutive_failures = models.PositiveIntegerField(default=0)
    next_run_at = models.DateTimeField(null=True, blank=True)
    # Where an unfinished pass stopped; the next run resumes from here.
    cursor = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "stream"], name="sync_state_uniq")
        ]
        indexes = [models.Index(fields=["next_run_at"], name="sync_state_due")]

    def __str__(self) -> str:
        return f"{self.organisation_id}:{self.stream}"

    def is_locked(self, now=None) -> bool:
        now = now or timezone.now()
        return self.locked_until is not None and self.locked_until > now


class SyncRun(models.Model):
    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        OK = "ok", "Succeeded"
        ERROR = "error", "Failed"
        LOCKED = "locked", "Skipped (already running)"
        ABANDONED = "abandoned", "Abandoned (the worker stopped)"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Sync now"
        RETRY = "retry", "Retry"
        DIRECT = "direct", "Direct call"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="sync_runs"
    )
    stream = models.CharField(max_length=32)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.DIRECT)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    rows = models.IntegerField(default=0)
    calls = models.IntegerField(default=0)
    message = models.CharField(max_length=500, blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")
    duration_ms = models.IntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "stream", "-started_at"], name="sync_run_latest")
        ]

    def __str__(self) -> str:
        return f"{self.stream} {self.outcome} at {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def ok(self) -> bool:
        return self.outcome == self.Outcome.OK

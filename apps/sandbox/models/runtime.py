"""Runtime state of the sandbox's non-management API: video jobs, files, PKCE codes."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from apps.sandbox.models.core import Account, Workspace


class VideoJob(models.Model):
    """A ``POST /videos`` job; its status is derived from its age (see ``videos.py``)."""

    id = models.CharField(primary_key=True, max_length=64)  # gen-vid-<unix>-<20 alnum>
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="video_jobs")
    key_hash = models.CharField(max_length=64)
    workspace = models.ForeignKey(Workspace, on_delete=models.SET_NULL, null=True, related_name="+")
    model = models.CharField(max_length=160)
    prompt = models.TextField()
    params = models.JSONField(default=dict)
    duration_seconds = models.IntegerField(default=4)
    cost = models.FloatField(default=0.0)
    generation_id = models.CharField(max_length=64, null=True, blank=True)
    will_fail = models.BooleanField(default=False)
    # "[expire]" in the prompt: the job ends ``expired`` instead of completing.
    will_expire = models.BooleanField(default=False)
    # Seconds from submission to the terminal state (SANDBOX_VIDEO_SECONDS + a spread).
    finish_seconds = models.FloatField(null=True, blank=True)
    # When the terminal-state callback was POSTed to ``params["callback_url"]``.
    callback_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.id


class SandboxFile(models.Model):
    """An uploaded (or server-created) file; ``seq`` orders the cursor pagination."""

    seq = models.BigAutoField(primary_key=True)
    file_id = models.CharField(max_length=64, unique=True)  # or_file_…
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="files")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255)
    mime_type = models.CharField(max_length=100)
    size_bytes = models.BigIntegerField()
    content = models.BinaryField()
    downloadable = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["account", "workspace", "-seq"], name="sbx_file_list")]

    def __str__(self) -> str:
        return self.file_id


class AuthCode(models.Model):
    """A PKCE authorization code from ``POST /auth/keys/code``, exchanged once for a key."""

    code = models.CharField(primary_key=True, max_length=64)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="auth_codes")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    user_id = models.CharField(max_length=40, null=True, blank=True)
    app_id = models.IntegerField()
    callback_url = models.URLField(max_length=500)
    code_challenge = models.CharField(max_length=128, null=True, blank=True)
    code_challenge_method = models.CharField(max_length=10, null=True, blank=True)
    key_label = models.CharField(max_length=200, null=True, blank=True)
    limit = models.FloatField(null=True, blank=True)
    limit_reset = models.CharField(max_length=10, null=True, blank=True)
    key_expires_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.code

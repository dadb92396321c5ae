"""Keys the console owns for inference, and the organisation's settings for them.

Inference needs an ordinary key, never the management key, and the console never keeps the
secret of a person's own key. So each person gets a **console key** ("playground key"),
made by the console through the management API on first use, with a small daily limit; its
secret is kept encrypted (``EncryptedTextField``) and never shown. One more console key per
organisation (``purpose=service``) does the background reads (polling video jobs, listing
files) so they keep working whoever leaves.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.core.fields import EncryptedTextField

DEFAULT_DAILY_LIMIT = Decimal("5.00")


class InferenceSettings(models.Model):
    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="inference_settings"
    )
    # Each console key's daily limit in USD (upstream resets it every UTC day).
    daily_limit = models.DecimalField(max_digits=8, decimal_places=2, default=DEFAULT_DAILY_LIMIT)
    # Where new console keys are made ("" = the default workspace).
    workspace_id = models.CharField(max_length=64, blank=True, default="")
    # The workspace's webhook signing secret, for video job callbacks (optional).
    callback_secret = EncryptedTextField(blank=True, default="", editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Inference settings of {self.organisation}"


class ConsoleKey(models.Model):
    class Purpose(models.TextChoices):
        PLAYGROUND = "playground", "Playground key"
        SERVICE = "service", "Service key"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="console_keys"
    )
    # The person it is for (None for the organisation's service key).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="console_keys",
    )
    purpose = models.CharField(max_length=16, choices=Purpose.choices, default=Purpose.PLAYGROUND)
    key_hash = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    label = models.CharField(
        max_length=40, blank=True, default=""
    )  # masked, e.g. sk-or-v1-abc...123
    workspace_id = models.CharField(max_length=64, blank=True, default="")
    daily_limit = models.DecimalField(max_digits=8, decimal_places=2)
    # Encrypted at rest; never rendered, logged, audited or put in a form.
    secret = EncryptedTextField(editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)
    retired_reason = models.CharField(max_length=100, blank=True, default="")
    # The upstream key still has to be deleted (the owner left while upstream was failing).
    delete_pending = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"],
                condition=Q(active=True, purpose="playground"),
                name="console_key_one_active_per_person",
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(active=True, purpose="service"),
                name="console_key_one_active_service",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "key_hash"], name="console_key_hash")]

    def __str__(self) -> str:
        return self.name

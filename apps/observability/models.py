"""The local mirror of observability (broadcast) destinations.

Upstream answers a destination's secrets masked; the console keeps none of them, not even
masked: only the names of the secret fields that are set (``secret_fields``), the names of the
custom headers (their values are credentials too) and the public part of ``config``.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Destination(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    destination_id = models.CharField(max_length=64)  # upstream's uuid ``id``
    type = models.CharField(max_length=40)
    name = models.CharField(max_length=200, blank=True, default="")
    workspace_id = models.CharField(max_length=64, blank=True, default="")
    enabled = models.BooleanField(default=True)
    privacy_mode = models.BooleanField(default=False)
    sampling_rate = models.FloatField(default=1.0)
    # None: every key's traffic (upstream's null); otherwise the allowlist of key hashes.
    api_key_hashes = models.JSONField(null=True, blank=True)
    filter_rules = models.JSONField(null=True, blank=True)
    regions = models.JSONField(default=list, blank=True)
    broadcast_generation_cost = models.BooleanField(default=False)
    broadcast_generation_cost_allocation = models.BooleanField(default=False)
    broadcast_generation_identity = models.BooleanField(default=False)
    broadcast_generation_request_context = models.BooleanField(default=False)
    config = models.JSONField(default=dict, blank=True)  # the public fields only
    secret_fields = models.JSONField(default=list, blank=True)  # names of secrets set
    header_names = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["type", "name", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "destination_id"], name="obs_dest_org_id"
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or f"{self.type} destination"

    @property
    def sampling_percent(self) -> str:
        return f"{self.sampling_rate * 100:g} %"

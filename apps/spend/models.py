"""The local spend cache: raw upstream rows, the fact table pages read, rollups, sync state.

Money is stored as integer micro-dollars (``*_micros``): sums are exact, so every
breakdown of the same filter adds up to the same number, to the cent and below.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from apps.accounts.models import Organisation
from apps.core.parse import plain_int


class SpendSettings(models.Model):
    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="spend_settings"
    )
    timezone = models.CharField(max_length=64, default="UTC")
    low_balance_threshold = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("10.00")
    )
    alert_thresholds = models.CharField(max_length=40, default="50,80,100")

    def __str__(self) -> str:
        return f"Spend settings of {self.organisation}"

    @property
    def thresholds(self) -> list[int]:
        values = (plain_int(x, digits=4) for x in self.alert_thresholds.split(","))
        return sorted({v for v in values if v is not None})


def bulk_organisation_fk() -> models.ForeignKey:
    """The organisation of a bulk cache row, with no database-level constraint.

    Its per-row check at commit cost as much as the bulk load itself. Rows are only written
    by the sync for an existing organisation, and deleting one still cascades here (Django's
    collector, not the database, does it). The composite unique constraints index it.
    """
    return models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )


class ActivityDay(models.Model):
    """``/activity?group_by=workspace`` as upstream reported it (absolute values, upserted)."""

    organisation = bulk_organisation_fk()
    date = models.DateField()
    model_permaslug = models.CharField(max_length=160)
    endpoint_id = models.CharField(max_length=64)
    workspace_id = models.CharField(max_length=64, blank=True, default="")
    model = models.CharField(max_length=160)
    provider = models.CharField(max_length=80, blank=True, default="")
    requests = models.BigIntegerField(default=0)
    usage_micros = models.BigIntegerField(default=0)
    byok_micros = models.BigIntegerField(default=0)
    prompt_tokens = models.BigIntegerField(default=0)
    completion_tokens = models.BigIntegerField(default=0)
    reasoning_tokens = models.BigIntegerField(default=0)
    cached_tokens = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "date", "model_permaslug", "endpoint_id", "workspace_id"],
                name="spend_activity_uniq",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.model_permaslug}"


class KeyDay(models.Model):
    """``/analytics/query`` rows: one key's spend on one model on one UTC day."""

    organisation = bulk_organisation_fk()
    date = models.DateField()
    key_hash = models.CharField(max_length=64)
    model_permaslug = models.CharField(max_length=160)
    workspace_id = models.CharField(max_length=64, blank=True, default="")
    user_id = models.CharField(max_length=64, blank=True, default="")
    requests = models.BigIntegerField(default=0)
    usage_micros = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "date", "key_hash", "model_permaslug"],
                name="spend_keyday_uniq",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.key_hash[:8]} {self.model_permaslug}"


class DayDigest(models.Model):
    """A fingerprint of the upstream rows a day was last written from: a re-pulled day
    whose rows have not changed is skipped, so an hourly re-sync of 30 days writes only
    the days upstream corrected."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    date = models.DateField()
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "date"], name="spend_daydigest_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.digest[:8]}"


class SpendFact(models.Model):
    """What every page reads: spend at the finest grain both upstream sources allow.

    Built per day from ``ActivityDay`` (the totals) split across keys by their
    ``KeyDay`` shares; spend no key accounts for has ``key_hash=""`` (unattributed).
    Workspace-only views read rollups; a workspace combined with another filter is
    narrowed by that filter's index, so there is no workspace index to maintain.
    """

    organisation = bulk_organisation_fk()
    date = models.DateField()
    workspace_id = models.CharField(max_length=64, blank=True, default="")
    model = models.CharField(max_length=160)
    provider = models.CharField(max_length=80, blank=True, default="")
    key_hash = models.CharField(max_length=64, blank=True, default="")
    user_id = models.CharField(max_length=64, blank=True, default="")
    requests = models.BigIntegerField(default=0)
    usage_micros = models.BigIntegerField(default=0)
    byok_micros = models.BigIntegerField(default=0)
    tokens = models.BigIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "date"], name="spend_fact_date"),
            models.Index(fields=["organisation", "key_hash", "date"], name="spend_fact_key"),
            models.Index(fields=["organisation", "model", "date"], name="spend_fact_model"),
            models.Index(fields=["organisation", "user_id", "date"], name="spend_fact_user"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.model} {self.key_hash[:8]}"


class Dim(models.TextChoices):
    ALL = "all", "Total"
    MODEL = "model", "Model"
    PROVIDER = "provider", "Provider"
    WORKSPACE = "workspace", "Workspace"
    KEY = "key", "Key"
    MEMBER = "member", "Member"


class SpendRollup(models.Model):
    """Per-day sums of ``SpendFact`` by one dimension, for all workspaces (``scope=""``)
    and for each workspace: the unfiltered and workspace-filtered dashboards read these."""

    organisation = bulk_organisation_fk()
    date = models.DateField()
    scope = models.CharField(max_length=64, blank=True, default="")
    dim = models.CharField(max_length=10, choices=Dim.choices)
    value = models.CharField(max_length=160, blank=True, default="")
    requests = models.BigIntegerField(default=0)
    usage_micros = models.BigIntegerField(default=0)
    byok_micros = models.BigIntegerField(default=0)
    tokens = models.BigIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "scope", "date"], name="spend_rollup"),
            models.Index(fields=["organisation", "scope", "dim", "date"], name="spend_rollup_dim"),
            models.Index(fields=["organisation", "date"], name="spend_rollup_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.dim}={self.value}"


class SpendRollupMonth(models.Model):
    """``SpendRollup`` summed per calendar month (``month`` = its first day): a year-long
    dashboard reads twelve of these per value instead of 365 daily rows."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField()
    scope = models.CharField(max_length=64, blank=True, default="")
    dim = models.CharField(max_length=10, choices=Dim.choices)
    value = models.CharField(max_length=160, blank=True, default="")
    requests = models.BigIntegerField(default=0)
    usage_micros = models.BigIntegerField(default=0)
    byok_micros = models.BigIntegerField(default=0)
    tokens = models.BigIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "scope", "month"], name="spend_rollup_month"),
            models.Index(fields=["organisation", "dim", "value"], name="spend_rollup_month_value"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.dim}={self.value}"


class CreditSnapshot(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    taken_at = models.DateTimeField()
    total_credits = models.DecimalField(max_digits=14, decimal_places=6)
    total_usage = models.DecimalField(max_digits=14, decimal_places=6)

    class Meta:
        ordering = ["-taken_at"]
        indexes = [models.Index(fields=["organisation", "-taken_at"])]

    def __str__(self) -> str:
        return f"{self.organisation} at {self.taken_at}"

    @property
    def balance(self) -> Decimal:
        return self.total_credits - self.total_usage


class Budget(models.Model):
    """A workspace budget or a guardrail budget (from the budgets stream)."""

    class Kind(models.TextChoices):
        WORKSPACE = "workspace", "Workspace budget"
        GUARDRAIL = "guardrail", "Guardrail budget"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    ref = models.CharField(max_length=64)  # budget id or guardrail id
    name = models.CharField(max_length=200)
    workspace_id = models.CharField(max_length=64, blank=True, default="")
    limit_usd = models.DecimalField(max_digits=14, decimal_places=6)
    interval = models.CharField(max_length=10, blank=True, default="")  # "" = lifetime
    include_byok = models.BooleanField(default=False)
    member_user_ids = models.JSONField(default=list, blank=True)
    synced_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "ref"], name="spend_budget_uniq"
            )
        ]
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Alert(models.Model):
    """A threshold crossed; unique per (subject, threshold, period), so sent once per period."""

    class Kind(models.TextChoices):
        LOW_CREDITS = "low_credits", "Low credits"
        BUDGET = "budget", "Budget"
        KEY_LIMIT = "key_limit", "Key limit"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    threshold = models.IntegerField(default=0)
    period = models.CharField(max_length=20)
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_to = models.IntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "subject", "threshold", "period"],
                name="spend_alert_once_per_period",
            )
        ]

    def __str__(self) -> str:
        return self.message

"""The local read model of API keys, and the console's own key workflows.

``Key`` mirrors every key of every workspace (written through on console mutations,
refreshed by the sync), so pages never wait on upstream. Secrets are never stored,
except a request's approved secret, held encrypted until revealed or expired.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from apps.core.fields import EncryptedTextField
from apps.core.periods import resets_at

# Sort keys that are never null, so keyset pagination can compare them directly.
NEVER_USED = datetime(1970, 1, 1, tzinfo=UTC)
NO_LIMIT_REMAINING = 1e15


class LimitReset(models.TextChoices):
    NONE = "", "Never (lifetime limit)"
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"


class Key(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="keys"
    )
    hash = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    label = models.CharField(max_length=40, blank=True, default="")
    workspace_id = models.CharField(max_length=64, blank=True, default="")
    workspace_name = models.CharField(max_length=100, blank=True, default="")
    disabled = models.BooleanField(default=False)
    limit = models.FloatField(null=True, blank=True)
    limit_remaining = models.FloatField(null=True, blank=True)
    limit_reset = models.CharField(max_length=10, blank=True, default="")
    include_byok_in_limit = models.BooleanField(default=False)
    usage = models.FloatField(default=0)
    usage_daily = models.FloatField(default=0)
    usage_weekly = models.FloatField(default=0)
    usage_monthly = models.FloatField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    creator_user_id = models.CharField(max_length=40, blank=True, default="")
    # Who the key is for in the console: its creator, or the member whose request made it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_keys",
    )
    creator_label = models.CharField(max_length=254, blank=True, default="")
    # Derived, never-null sort columns (see NEVER_USED / NO_LIMIT_REMAINING).
    last_used_sort = models.DateTimeField(default=NEVER_USED)
    remaining_sort = models.FloatField(default=NO_LIMIT_REMAINING)
    limit_used_ratio = models.FloatField(null=True, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)
    # Created upstream by the console, whose create answer never arrived (a timeout after
    # upstream did the work): nobody holds its secret; the key page offers delete or rotate.
    secret_not_received = models.BooleanField(default=False)
    # The guardrail the key holds by assignment ("" for none): a copy of the guardrails
    # mirror's row for it (kept by apps.keys.services.mirror.key_guardrails_mirror), so a
    # guardrail's keys and its candidates are ranges of an index, not a scan of every key.
    guardrail_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "hash"], name="key_org_hash")
        ]
        indexes = [
            models.Index(fields=["organisation", "name", "id"], name="key_org_name"),
            models.Index(fields=["organisation", "created_at", "id"], name="key_org_created"),
            models.Index(fields=["organisation", "last_used_sort", "id"], name="key_org_used"),
            models.Index(fields=["organisation", "usage_daily", "id"], name="key_org_day"),
            models.Index(fields=["organisation", "usage_weekly", "id"], name="key_org_week"),
            models.Index(fields=["organisation", "usage_monthly", "id"], name="key_org_month"),
            models.Index(fields=["organisation", "remaining_sort", "id"], name="key_org_remaining"),
            models.Index(fields=["organisation", "expires_at"], name="key_org_expiry"),
            models.Index(fields=["organisation", "owner"], name="key_org_owner"),
            models.Index(fields=["organisation", "creator_label"], name="key_org_creator"),
            # A guardrail's keys by name whatever the case, 100 at a time: a walk of this
            # index, not a sort of the 10,000 keys one guardrail may hold.
            models.Index(
                models.F("organisation"),
                models.F("guardrail_id"),
                Lower("name"),
                models.F("id"),
                name="key_org_guardrail_name",
            ),
            # A workspace's keys not holding a guardrail (its candidates): index ranges.
            models.Index(
                fields=["organisation", "workspace_id", "guardrail_id"], name="key_org_ws_guardrail"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def refresh_derived(self) -> None:
        """Recompute the sort columns and the used share of the limit."""
        self.last_used_sort = self.last_used_at or NEVER_USED
        self.remaining_sort = (
            self.limit_remaining if self.limit_remaining is not None else NO_LIMIT_REMAINING
        )
        if self.limit:
            self.limit_used_ratio = round(self.window_usage / self.limit, 6)
        elif self.limit == 0:
            self.limit_used_ratio = 1.0
        else:
            self.limit_used_ratio = None

    @property
    def window_usage_exact(self) -> Decimal:
        """Spend counted against the limit in the current window, exactly (from the floats'
        shortest reprs: ``10 - 1.9`` is 8.1, not 8.099999…)."""
        if self.limit is not None and self.limit_remaining is not None:
            used = Decimal(str(self.limit)) - Decimal(str(self.limit_remaining))
            return max(Decimal(0), used)
        usage = {
            "daily": self.usage_daily,
            "weekly": self.usage_weekly,
            "monthly": self.usage_monthly,
        }.get(self.limit_reset, self.usage)
        return Decimal(str(usage))

    @property
    def window_usage(self) -> float:
        return float(self.window_usage_exact)

    @property
    def used_percent(self) -> int | None:
        if self.limit_used_ratio is None:
            return None
        return min(100, round(self.limit_used_ratio * 100))

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def expires_soon(self) -> bool:
        return (
            self.expires_at is not None
            and not self.is_expired
            and self.expires_at <= timezone.now() + timedelta(days=14)
        )

    @property
    def state(self) -> str:
        if self.is_expired:
            return "expired"
        return "disabled" if self.disabled else "active"

    @property
    def resets_at(self) -> datetime | None:
        return resets_at(self.limit_reset, timezone.now()) if self.limit is not None else None


class KeyUsageSnapshot(models.Model):
    """A key's usage counters as of one UTC day (upserted by every sync that day)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    key_hash = models.CharField(max_length=64)
    date = models.DateField()
    usage = models.FloatField(default=0)
    usage_daily = models.FloatField(default=0)
    usage_weekly = models.FloatField(default=0)
    usage_monthly = models.FloatField(default=0)
    limit = models.FloatField(null=True, blank=True)
    limit_remaining = models.FloatField(null=True, blank=True)
    taken_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "key_hash", "date"], name="key_snapshot_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key_hash[:8]} {self.date}"


class KeyPolicy(models.Model):
    """Per-organisation key settings."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="key_policy"
    )
    # Requests for a limit at or under this many USD are approved without an admin.
    auto_approve_limit = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    def __str__(self) -> str:
        return f"Key policy of {self.organisation}"


class KeyRequest(models.Model):
    class Kind(models.TextChoices):
        NEW = "new", "New key"
        INCREASE = "increase", "Higher limit"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVING = "approving", "Being approved"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        CANCELLED = "cancelled", "Cancelled"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="key_requests"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="key_requests"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.NEW)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    name = models.CharField(max_length=200)
    purpose = models.TextField(max_length=2000)
    workspace_id = models.CharField(max_length=64, blank=True, default="")
    workspace_name = models.CharField(max_length=100, blank=True, default="")
    limit = models.FloatField(null=True, blank=True)
    limit_reset = models.CharField(max_length=10, blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)
    key_hash = models.CharField(max_length=64, blank=True, default="")  # the key made or raised
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True, default="")
    auto_approved = models.BooleanField(default=False)
    failure_message = models.CharField(max_length=500, blank=True, default="")
    # The approved key's secret, encrypted, until the requester reveals it or time runs out.
    secret = EncryptedTextField(blank=True, default="", editable=False)
    reveal_until = models.DateTimeField(null=True, blank=True)
    revealed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "status"], name="keyreq_org_status"),
            models.Index(fields=["organisation", "requester"], name="keyreq_org_requester"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.requester}: {self.name}"

    @property
    def can_reveal(self) -> bool:
        return (
            self.status == self.Status.APPROVED
            and bool(self.secret)
            and self.revealed_at is None
            and self.reveal_until is not None
            and self.reveal_until > timezone.now()
        )


class KeyRotation(models.Model):
    class Then(models.TextChoices):
        DISABLE = "disable", "Disable the old key"
        DELETE = "delete", "Delete the old key"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Failed"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="key_rotations"
    )
    old_key_hash = models.CharField(max_length=64)
    old_key_name = models.CharField(max_length=200)
    new_key_hash = models.CharField(max_length=64)
    new_key_name = models.CharField(max_length=200)
    then = models.CharField(max_length=16, choices=Then.choices, default=Then.DISABLE)
    run_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    attempts = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "run_at"], name="rotation_due")]

    def __str__(self) -> str:
        return f"Rotation of {self.old_key_name} ({self.status})"


class ExpiryWarning(models.Model):
    """An expiry warning already sent, so each threshold is sent once per expiry date."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    key_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "key_hash", "expires_at", "days_before"],
                name="expiry_warning_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.key_hash[:8]}: {self.days_before} days"


class KeyCreateAttempt(models.Model):
    """A key creation the console asked upstream for, written down before asking.

    When the answer never arrives (a timeout after upstream created the key), the next keys
    sync finds the key by this record (name, workspace and creation time) and marks it
    "created, secret not received" instead of leaving an orphan nobody knows about.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Asked, no answer yet"
        DONE = "done", "Created"
        FAILED = "failed", "Refused (nothing created)"
        UNKNOWN = "unknown", "No answer (maybe created)"
        ORPHANED = "orphaned", "Created, secret not received"
        NOT_CREATED = "not_created", "Not created"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=200)
    workspace_id = models.CharField(max_length=64, blank=True, default="")
    action = models.CharField(max_length=32, default="key.create")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who the key is for (the requester of an approved request, else the actor).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    key_hash = models.CharField(max_length=64, blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["organisation", "status"], name="keyattempt_org_status")]

    def __str__(self) -> str:
        return f"{self.name}: {self.get_status_display()}"

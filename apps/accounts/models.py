from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from apps.accounts.managers import UserManager
from apps.accounts.roles import Role
from apps.core.fields import EncryptedTextField


class User(AbstractUser):
    username = None
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    def __str__(self) -> str:
        return self.get_full_name() or self.email


def _default_base_url() -> str:
    return settings.OPENROUTER_BASE_URL


class Organisation(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    base_url = models.URLField("upstream base URL", max_length=300, default=_default_base_url)
    # Encrypted with FIELD_ENCRYPTION_KEYS; never rendered, logged or audited.
    management_key = EncryptedTextField(blank=True, default="", editable=False)
    management_key_label = models.CharField(max_length=64, blank=True, default="")
    connected_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Sign-in rules, set by owners on the Security page.
    require_2fa = models.BooleanField("require two-factor authentication", default=False)
    sso_domains = models.CharField(
        "SSO email domains",
        max_length=500,
        blank=True,
        default="",
        help_text="Space-separated; people from these domains who sign in with SSO join.",
    )
    sso_default_role = models.CharField(
        "role for people who join by SSO", max_length=16, choices=Role.choices, default=Role.MEMBER
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_connected(self) -> bool:
        return bool(self.management_key)

    @property
    def sso_domain_list(self) -> list[str]:
        return self.sso_domains.split()


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="uniq_membership")
        ]
        ordering = ["organisation__name"]

    def __str__(self) -> str:
        return f"{self.user} in {self.organisation} ({self.role})"


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.organisation}"

    @property
    def expires_at(self):
        return self.created_at + timedelta(days=settings.INVITATION_MAX_AGE_DAYS)

    @property
    def is_usable(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and timezone.now() < self.expires_at
        )


class ConnectionStatus(models.Model):
    """What the last connection check (``GET /key``, the "connection" stream) learned."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="connection"
    )
    ok = models.BooleanField(default=False)
    message = models.CharField(max_length=300, blank=True, default="")
    checked_at = models.DateTimeField(null=True, blank=True)
    # The management key as upstream describes it (never the secret).
    key_label = models.CharField(max_length=64, blank=True, default="")
    key_is_management = models.BooleanField(default=False)
    key_usage = models.FloatField(null=True, blank=True)
    key_usage_monthly = models.FloatField(null=True, blank=True)
    key_limit = models.FloatField(null=True, blank=True)
    key_limit_remaining = models.FloatField(null=True, blank=True)
    key_limit_reset = models.CharField(max_length=10, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.organisation}: {'ok' if self.ok else 'failing'}"

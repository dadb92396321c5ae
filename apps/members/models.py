"""The upstream organisation's people, and which console user each one is."""

from __future__ import annotations

from django.db import models

from apps.core.fields import EncryptedTextField


class UpstreamMember(models.Model):
    """One member of the upstream organisation (``/organization/members``), mirrored."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    user_id = models.CharField(max_length=64)
    email = models.EmailField(blank=True, default="")
    name = models.CharField(max_length=200, blank=True, default="")
    role = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user_id"], name="upstream_member_uniq")
        ]
        ordering = ["name", "email"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.name or self.email or self.user_id


class UpstreamIdentity(models.Model):
    """Which upstream user a console member is: their keys are those that user created."""

    class Source(models.TextChoices):
        EMAIL = "email", "Same email"
        MANUAL = "manual", "Linked by an admin"
        OAUTH = "oauth", "Connected with OpenRouter"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    upstream_user_id = models.CharField(max_length=64)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="upstream_identity_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.user} = {self.upstream_user_id}"


class ConnectAttempt(models.Model):
    """One "Connect with OpenRouter" round trip: its state and PKCE verifier, single-use,
    bound to the person and the browser session that started it, until ``expires_at``."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    # SHA-256 digests: the state travels in URLs and the session key is a credential.
    state_hash = models.CharField(max_length=64, unique=True)
    session_hash = models.CharField(max_length=64)
    verifier = EncryptedTextField(blank=True, default="", editable=False)
    wants_key = models.BooleanField(default=False)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"connect {self.user} ({self.created_at:%Y-%m-%d %H:%M})"


class IssuedCode(models.Model):
    """An authorisation code an admin had upstream make (``POST /auth/keys/code``, with its
    limit, reset and workspace) for one member to claim as a key, once, before it expires."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    issued_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    for_user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    key_label = models.CharField(max_length=200)
    limit = models.FloatField(null=True, blank=True)
    limit_reset = models.CharField(max_length=10, blank=True, default="")
    workspace_id = models.CharField(max_length=64, blank=True, default="")
    # Both wiped when the code is claimed: until then they are what the key is made from.
    code = EncryptedTextField(blank=True, default="", editable=False)
    verifier = EncryptedTextField(blank=True, default="", editable=False)
    expires_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.key_label} for {self.for_user}"

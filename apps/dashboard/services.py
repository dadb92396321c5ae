"""What the connection check learns from upstream, kept for the pages (which never call it)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from apps.accounts.models import ConnectionStatus, Organisation
from apps.gateway.errors import UpstreamError


def connection_record(organisation: Organisation, key: Any) -> ConnectionStatus:
    """Store a successful ``GET /key`` (the SDK's key metadata; never a secret)."""
    status, _ = ConnectionStatus.objects.update_or_create(
        organisation=organisation,
        defaults={
            "ok": True,
            "message": "Connected",
            "checked_at": timezone.now(),
            "key_label": (key.label or "")[:64],
            "key_is_management": bool(key.is_management_key),
            "key_usage": key.usage,
            "key_usage_monthly": key.usage_monthly,
            "key_limit": key.limit,
            "key_limit_remaining": key.limit_remaining,
            "key_limit_reset": key.limit_reset or "",
        },
    )
    return status


def connection_record_failure(organisation: Organisation, error: UpstreamError) -> None:
    ConnectionStatus.objects.update_or_create(
        organisation=organisation,
        defaults={"ok": False, "message": error.user_message[:300], "checked_at": timezone.now()},
    )

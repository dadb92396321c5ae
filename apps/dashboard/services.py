"""Reading the organisation's live state from upstream and caching what the pages need."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.accounts.models import ConnectionStatus, Organisation
from apps.gateway import account as gateway_account
from apps.gateway.errors import UpstreamError


@dataclass(frozen=True)
class CreditsView:
    total_credits: Decimal
    total_usage: Decimal

    @property
    def balance(self) -> Decimal:
        return self.total_credits - self.total_usage


def status_for(organisation: Organisation) -> ConnectionStatus:
    status, _ = ConnectionStatus.objects.get_or_create(organisation=organisation)
    return status


def connection_record_failure(organisation: Organisation, error: UpstreamError) -> None:
    ConnectionStatus.objects.update_or_create(
        organisation=organisation,
        defaults={"ok": False, "message": error.user_message[:300], "checked_at": timezone.now()},
    )


def credits_refresh(organisation: Organisation) -> CreditsView:
    """``GET /credits`` and remember it; raises ``UpstreamError`` (and records it)."""
    try:
        data = gateway_account.credits_get(organisation)
    except UpstreamError as exc:
        connection_record_failure(organisation, exc)
        raise
    now = timezone.now()
    credits = CreditsView(
        total_credits=Decimal(str(data.total_credits)), total_usage=Decimal(str(data.total_usage))
    )
    ConnectionStatus.objects.update_or_create(
        organisation=organisation,
        defaults={
            "ok": True,
            "message": "Connected",
            "checked_at": now,
            "total_credits": credits.total_credits,
            "total_usage": credits.total_usage,
            "credits_checked_at": now,
        },
    )
    return credits


def connection_check(organisation: Organisation) -> Any:
    """``GET /key`` then ``GET /credits``; returns the key's details. Records the outcome."""
    try:
        key = gateway_account.current_key(organisation)
    except UpstreamError as exc:
        connection_record_failure(organisation, exc)
        raise
    credits_refresh(organisation)
    return key

"""Creating and changing sandbox API keys (shared by ``/keys`` and the demo loader)."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

from django.db.models import Max
from django.utils import timezone

from apps.sandbox.http import ApiError
from apps.sandbox.models import Account, ApiKey, Workspace, masked_label, secret_hash

LIMIT_RESETS = ("daily", "weekly", "monthly")
_ISO_WITH_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


def new_secret() -> str:
    return f"sk-or-v1-{secrets.token_hex(32)}"


def parse_expiry(value: str) -> datetime:
    if not isinstance(value, str) or not _ISO_WITH_SECONDS.match(value):
        raise ApiError(
            400, "expires_at must be an ISO 8601 UTC timestamp with seconds (YYYY-MM-DDTHH:MM:SSZ)"
        )
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if parsed <= timezone.now():
        raise ApiError(400, "expires_at must be in the future")
    return parsed


def next_numeric_id() -> int:
    return (ApiKey.objects.aggregate(m=Max("numeric_id"))["m"] or 1000) + 1


def key_insert(
    account: Account,
    workspace: Workspace,
    *,
    name: str,
    secret: str | None = None,
    is_management: bool = False,
    **fields,
) -> tuple[ApiKey, str]:
    secret = secret or new_secret()
    key = ApiKey.objects.create(
        hash=secret_hash(secret),
        account=account,
        workspace=workspace,
        numeric_id=next_numeric_id(),
        name=name,
        label=masked_label(secret),
        is_management=is_management,
        **fields,
    )
    return key, secret

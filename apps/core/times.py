"""Reading upstream timestamps (ISO 8601 strings, "Z" or offset, sometimes naive)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.utils.dateparse import parse_datetime


def as_datetime(value: Any) -> datetime | None:
    """An aware datetime (UTC when upstream gave none), or None for null/absent/garbage."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            parsed = parse_datetime(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed is not None and parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed
    return None

"""Small helpers shared by the management views: pagination, list fields, masking."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable

from django.http import JsonResponse

from apps.sandbox.http import ApiError, field, offset_limit
from apps.sandbox.models import ApiKey


def paginated(request, queryset, render: Callable) -> JsonResponse:
    """``{"data": [...], "total_count": n}`` for ``offset``/``limit`` (1-100, default 50)."""
    offset, limit = offset_limit(request)
    page = list(queryset[offset : offset + limit])
    return JsonResponse({"data": [render(o) for o in page], "total_count": queryset.count()})


def str_list(
    body: dict, name: str, *, required: bool = False, nullable: bool = True, non_empty=False
) -> list[str] | None:
    value = field(body, name, list, required=required, nullable=nullable)
    if value is None:
        return None
    if not all(isinstance(v, str) and v for v in value):
        raise ApiError(400, f"{name} must be an array of non-empty strings")
    if non_empty and not value:
        raise ApiError(400, f"{name} must not be empty")
    return list(dict.fromkeys(value))


def own_key_hashes(account, hashes: Iterable[str], name: str) -> None:
    """Every hash must be one of the account's live keys, else a 400 naming the field."""
    hashes = list(hashes)
    known = set(
        ApiKey.objects.filter(
            account=account, hash__in=hashes, deleted_at__isnull=True
        ).values_list("hash", flat=True)
    )
    unknown = [h for h in hashes if h not in known]
    if unknown:
        raise ApiError(400, f"{name}: unknown API key hash {unknown[0]}")


def parse_uuid(value: str, what: str) -> uuid.UUID:
    """A path id that is not a UUID can only be a missing object: 404, like upstream."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ApiError(404, f"{what} not found") from None


def mask_middle(secret: str) -> str:
    """``abcd...wxyz``: four characters each side (shorter secrets show only a tail)."""
    if len(secret) >= 12:
        return f"{secret[:4]}...{secret[-4:]}"
    return f"...{secret[-2:]}" if len(secret) > 4 else "..."

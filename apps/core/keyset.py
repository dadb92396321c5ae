"""Keyset ("load more") pagination for the console's lists: one page of a queryset ordered by
one model column and the primary key, and an opaque cursor that starts the next page.

A cursor travels in URLs, so it is never trusted: :func:`page` treats one it did not make for
this column (wrong shape, wrong type, out of range) as no cursor at all and starts over.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

PAGE_SIZE = 50
BIGINT_MAX = 2**63 - 1


def encode(row: models.Model, column: str) -> str:
    value = getattr(row, column)
    if isinstance(value, datetime):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = str(value)
    return base64.urlsafe_b64encode(json.dumps([value, row.pk]).encode()).decode()


def _typed(value, field: models.Field):
    """``value`` as ``field``'s Python type, or None when it cannot be one."""
    if isinstance(field, models.DateTimeField):
        if not isinstance(value, str):
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)
    if isinstance(value, bool):
        return None
    if isinstance(field, models.DecimalField):
        try:
            number = Decimal(value) if isinstance(value, str | int) else None
        except InvalidOperation:
            return None
        return number if number is not None and number.is_finite() else None
    if isinstance(field, models.IntegerField):
        return value if isinstance(value, int) else None
    if isinstance(field, models.FloatField):
        if not isinstance(value, int | float):
            return None
        try:
            number = float(value)
        except OverflowError:
            return None
        return number if math.isfinite(number) else None
    return value if isinstance(value, str) else None


def decode(cursor: str, field: models.Field) -> tuple | None:
    """``(sort value, pk)`` from a cursor :func:`encode` made for ``field``, else None."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError, binascii.Error, RecursionError):
        return None
    if not isinstance(decoded, list) or len(decoded) != 2:
        return None
    value, pk = decoded
    if isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk <= BIGINT_MAX:
        return None
    value = _typed(value, field)
    return None if value is None else (value, pk)


def page(
    qs: QuerySet, column: str, *, descending: bool = False, after: str = "", size: int = PAGE_SIZE
) -> tuple[list, str]:
    """One page of ``qs`` by (``column``, pk) after the cursor ``after``: ``(rows, the next
    page's cursor or "")``. One query."""
    anchor = decode(after, qs.model._meta.get_field(column)) if after else None
    if anchor is not None:
        value, pk = anchor
        op = "lt" if descending else "gt"
        qs = qs.filter(Q(**{f"{column}__{op}": value}) | Q(**{column: value, f"pk__{op}": pk}))
    prefix = "-" if descending else ""
    rows = list(qs.order_by(f"{prefix}{column}", f"{prefix}pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (encode(rows[-1], column) if more and rows else "")

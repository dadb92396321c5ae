"""What every mirroring stream does with upstream's rows: upsert them by their upstream id."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models


def upsert(model: type[models.Model], rows: Iterable[models.Model], *, id_field: str,
           update_fields: Iterable[str]) -> list[models.Model]:  # fmt: skip
    """Insert or update ``rows`` keyed by (organisation, ``id_field``); a listing that shows
    one id twice keeps the last."""
    unique = list({getattr(r, id_field): r for r in rows}.values())
    model.objects.bulk_create(
        unique,
        update_conflicts=True,
        unique_fields=["organisation", id_field],
        update_fields=list(update_fields),
    )
    return unique

"""Calls about the organisation itself (``/organization/*``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apps.gateway import errors
from apps.gateway.core import call, credentials_for

if TYPE_CHECKING:
    from apps.accounts.models import Organisation


def organization_members(organisation: Organisation, *, page_size: int = 100) -> list[Any]:
    """Every member of the upstream organisation (``[]`` for a personal account)."""
    creds = credentials_for(organisation)
    members: list[Any] = []
    offset = 0
    while True:
        try:
            page = call(
                creds,
                lambda sdk, o=offset: sdk.organization.list_members(offset=o, limit=page_size),
            )
        except errors.NotFound:
            return members  # upstream answers 404 when the key's account is not an organisation
        batch = page.result.data if page is not None else []
        members.extend(batch)
        if len(batch) < page_size:
            return members
        offset += len(batch)

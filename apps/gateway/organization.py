"""Calls about the organisation itself (``/organization/*``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apps.gateway import errors
from apps.gateway.core import credentials_for
from apps.gateway.paging import offset_all

if TYPE_CHECKING:
    from apps.accounts.models import Organisation


def organization_members(organisation: Organisation) -> list[Any]:
    """Every member of the upstream organisation (``[]`` for a personal account)."""
    try:
        return offset_all(
            credentials_for(organisation),
            lambda sdk, o, n: sdk.organization.list_members(offset=o, limit=n),
        )
    except errors.NotFound:
        return []  # upstream answers 404 when the key's account is not an organisation

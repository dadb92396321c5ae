"""Calls on BYOK provider credentials (``/byok``). The secret (``key``) only ever goes up."""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Any

from openrouter.components import byokproviderslug

from apps.gateway.core import call, credentials_for
from apps.gateway.paging import offset_all

if TYPE_CHECKING:
    from apps.accounts.models import Organisation


def _literal_values(annotation) -> tuple[str, ...]:
    for arg in typing.get_args(annotation):
        if typing.get_origin(arg) is typing.Literal:
            return tuple(typing.get_args(arg))
    return ()


# The provider slugs POST /byok accepts, as the SDK (the source of truth) lists them.
BYOK_PROVIDERS: tuple[str, ...] = _literal_values(byokproviderslug.BYOKProviderSlug)
REGIONS = ("global", "europe", "us")
BYOK_PAGE_SIZE = 100


def byok_list(organisation: Organisation, *, workspace_id: str | None = None) -> list[Any]:
    """Every credential of one workspace plus the shared ones (SDK ``BYOKKey``)."""
    return offset_all(
        credentials_for(organisation),
        lambda sdk, o, n: sdk.byok.list(offset=o, limit=n, workspace_id=workspace_id),
        page_size=BYOK_PAGE_SIZE,
    )


def byok_get(organisation: Organisation, byok_id: str) -> Any:
    return call(credentials_for(organisation), lambda sdk: sdk.byok.get(id=byok_id)).data


def byok_create(organisation: Organisation, *, provider: str, key: str, **fields: Any) -> Any:
    """Create a credential; ``fields`` are the optional body fields (None ones are omitted
    unless the field is nullable and meant to be sent as null by the caller)."""
    return call(
        credentials_for(organisation),
        lambda sdk: sdk.byok.create(provider=provider, key=key, **fields),
        idempotent=False,
    ).data


def byok_update(organisation: Organisation, byok_id: str, **changes: Any) -> Any:
    """PATCH a credential: omitted fields are kept, ``None`` clears a nullable one; ``key``
    rotates the secret in place (upstream regenerates ``label``)."""
    return call(
        credentials_for(organisation), lambda sdk: sdk.byok.update(id=byok_id, **changes)
    ).data


def byok_delete(organisation: Organisation, byok_id: str) -> bool:
    return call(
        credentials_for(organisation), lambda sdk: sdk.byok.delete(id=byok_id), idempotent=False
    ).DELETED

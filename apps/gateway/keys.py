"""Calls on API keys (``/keys``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.views.decorators.debug import sensitive_variables

from apps.gateway.core import call, credentials_for
from apps.gateway.paging import KEYS_PAGE_SIZE, fixed_pages

if TYPE_CHECKING:
    from apps.accounts.models import Organisation

__all__ = ["KEYS_PAGE_SIZE", "key_create", "key_delete", "key_get", "key_update", "keys_iter"]


def keys_page(
    organisation: Organisation,
    *,
    workspace_id: str | None = None,
    offset: int = 0,
    include_disabled: bool = True,
    include_expired: bool = True,
) -> list[Any]:
    """One page (up to ``KEYS_PAGE_SIZE``) of one workspace's keys, newest first."""
    return call(
        credentials_for(organisation),
        lambda sdk: sdk.api_keys.list(
            offset=offset,
            workspace_id=workspace_id,
            include_disabled=include_disabled,
            include_expired=include_expired,
        ),
    ).data


def keys_iter(
    organisation: Organisation,
    *,
    workspace_id: str | None = None,
    include_disabled: bool = True,
    include_expired: bool = False,
) -> Iterator[Any]:
    """Every key of one workspace (the default one when ``workspace_id`` is None)."""
    for page in fixed_pages(
        lambda offset: keys_page(
            organisation,
            workspace_id=workspace_id,
            offset=offset,
            include_disabled=include_disabled,
            include_expired=include_expired,
        )
    ):
        yield from page


def key_get(organisation: Organisation, key_hash: str) -> Any:
    return call(credentials_for(organisation), lambda sdk: sdk.api_keys.get(hash=key_hash)).data


@sensitive_variables("response")
def key_create(
    organisation: Organisation,
    *,
    name: str,
    workspace_id: str | None = None,
    limit: float | None = None,
    limit_reset: str | None = None,
    include_byok_in_limit: bool = False,
    expires_at: datetime | None = None,
    creator_user_id: str | None = None,
) -> tuple[Any, str]:
    """Create a key; returns ``(key, secret)``. The secret exists only in this response."""
    fields: dict[str, Any] = {"name": name, "include_byok_in_limit": include_byok_in_limit}
    optional = {
        "workspace_id": workspace_id,
        "limit": limit,
        "limit_reset": limit_reset,
        "expires_at": expires_at,
        "creator_user_id": creator_user_id,
    }
    fields.update({k: v for k, v in optional.items() if v is not None})
    response = call(
        credentials_for(organisation), lambda sdk: sdk.api_keys.create(**fields), idempotent=False
    )
    return response.data, response.key


def key_update(organisation: Organisation, key_hash: str, **changes: Any) -> Any:
    """PATCH a key with ``name``, ``disabled``, ``limit``, ``limit_reset``, ``include_byok_in_limit``."""
    return call(
        credentials_for(organisation), lambda sdk: sdk.api_keys.update(hash=key_hash, **changes)
    ).data


def key_delete(organisation: Organisation, key_hash: str) -> bool:
    return call(
        credentials_for(organisation), lambda sdk: sdk.api_keys.delete(hash=key_hash)
    ).DELETED

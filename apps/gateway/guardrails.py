"""Calls on guardrails (``/guardrails``) and their key and member assignments."""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Any

from openrouter.components import (
    contentfilteraction,
    contentfilterbuiltinslug,
    guardraildataregion,
    guardrailinterval,
)

from apps.gateway.core import call, credentials_for
from apps.gateway.paging import offset_all

if TYPE_CHECKING:
    from apps.accounts.models import Organisation


def _literal_values(annotation) -> tuple[str, ...]:
    found: list[str] = []
    for arg in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(arg) is typing.Literal:
            found += typing.get_args(arg)
    return tuple(found)


# As the SDK (the source of truth) lists them.
DATA_REGIONS: tuple[str, ...] = _literal_values(guardraildataregion.GuardrailDataRegion)
RESET_INTERVALS: tuple[str, ...] = _literal_values(guardrailinterval.GuardrailInterval)
BUILTIN_FILTERS: tuple[str, ...] = _literal_values(
    contentfilterbuiltinslug.ContentFilterBuiltinSlug
)
FILTER_ACTIONS: tuple[str, ...] = _literal_values(contentfilteraction.ContentFilterAction)
ASSIGN_BATCH = 1000  # upstream's maximum of key hashes / member ids per assignment call


def guardrails_list(organisation: Organisation, *, workspace_id: str | None = None) -> list[Any]:
    """One workspace's guardrails (the default workspace's, with the unscoped ones, when
    ``workspace_id`` is None): the SDK's ``Guardrail`` models."""
    return offset_all(
        credentials_for(organisation),
        lambda sdk, o, n: sdk.guardrails.list(offset=o, limit=n, workspace_id=workspace_id),
    )


def guardrail_member_assignments(organisation: Organisation) -> list[Any]:
    return offset_all(
        credentials_for(organisation),
        lambda sdk, o, n: sdk.guardrails.list_member_assignments(offset=o, limit=n),
    )


def guardrail_key_assignments(organisation: Organisation) -> list[Any]:
    """Every key assignment of the organisation (``key_hash``, ``guardrail_id``)."""
    return offset_all(
        credentials_for(organisation),
        lambda sdk, o, n: sdk.guardrails.list_key_assignments(offset=o, limit=n),
    )


def guardrail_create(organisation: Organisation, *, name: str, **fields: Any) -> Any:
    return call(
        credentials_for(organisation),
        lambda sdk: sdk.guardrails.create(name=name, **fields),
        idempotent=False,
    ).data


def guardrail_update(organisation: Organisation, guardrail_id: str, **changes: Any) -> Any:
    """PATCH a guardrail: omitted fields are kept, ``None`` clears a nullable one."""
    return call(
        credentials_for(organisation),
        lambda sdk: sdk.guardrails.update(id=guardrail_id, **changes),
    ).data


def guardrail_delete(organisation: Organisation, guardrail_id: str) -> bool:
    return call(
        credentials_for(organisation),
        lambda sdk: sdk.guardrails.delete(id=guardrail_id),
        idempotent=False,
    ).DELETED


def guardrail_keys_assign(organisation: Organisation, guardrail_id: str, hashes: list[str]) -> int:
    """Assign keys (each key's previous guardrail is replaced); the number newly assigned."""
    return call(
        credentials_for(organisation),
        lambda sdk: sdk.guardrails.bulk_assign_keys(id=guardrail_id, key_hashes=hashes),
    ).assigned_count


def guardrail_keys_unassign(organisation: Organisation, guardrail_id: str, hashes: list[str]):
    return call(
        credentials_for(organisation),
        lambda sdk: sdk.guardrails.bulk_unassign_keys(id=guardrail_id, key_hashes=hashes),
    ).unassigned_count


def guardrail_members_assign(organisation: Organisation, guardrail_id: str, user_ids: list[str]):
    return call(
        credentials_for(organisation),
        lambda sdk: sdk.guardrails.bulk_assign_members(id=guardrail_id, member_user_ids=user_ids),
    ).assigned_count


def guardrail_members_unassign(organisation: Organisation, guardrail_id: str, user_ids: list[str]):
    return call(
        credentials_for(organisation),
        lambda sdk: sdk.guardrails.bulk_unassign_members(id=guardrail_id, member_user_ids=user_ids),
    ).unassigned_count

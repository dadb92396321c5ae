"""Calls on guardrails (``/guardrails``) and their key and member assignments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apps.gateway.core import credentials_for
from apps.gateway.paging import offset_all

if TYPE_CHECKING:
    from apps.accounts.models import Organisation


def guardrails_list(organisation: Organisation) -> list[Any]:
    return offset_all(
        credentials_for(organisation), lambda sdk, o, n: sdk.guardrails.list(offset=o, limit=n)
    )


def guardrail_member_assignments(organisation: Organisation) -> list[Any]:
    return offset_all(
        credentials_for(organisation),
        lambda sdk, o, n: sdk.guardrails.list_member_assignments(offset=o, limit=n),
    )

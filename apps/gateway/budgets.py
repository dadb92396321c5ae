"""Calls on budgets: workspace budgets, guardrails (with their limits) and member assignments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apps.gateway.core import call, credentials_for

if TYPE_CHECKING:
    from apps.accounts.models import Organisation


def workspace_budgets_list(organisation: Organisation, workspace_id: str) -> list[Any]:
    response = call(
        credentials_for(organisation),
        lambda sdk: sdk.workspaces.list_budgets(workspace_ref=workspace_id),
    )
    return list(response.data or [])


def _paged(organisation: Organisation, fetch) -> list[Any]:
    creds = credentials_for(organisation)
    rows: list[Any] = []
    offset = 0
    while True:
        page = call(creds, lambda sdk, o=offset: fetch(sdk, o))
        result = page.result if page is not None else None
        batch = list(result.data or []) if result is not None else []
        rows.extend(batch)
        total = getattr(result, "total_count", None)
        if not batch or (total is not None and len(rows) >= total) or len(batch) < 100:
            return rows
        offset += len(batch)


def guardrails_list(organisation: Organisation) -> list[Any]:
    return _paged(organisation, lambda sdk, o: sdk.guardrails.list(offset=o, limit=100))


def guardrail_member_assignments(organisation: Organisation) -> list[Any]:
    return _paged(
        organisation, lambda sdk, o: sdk.guardrails.list_member_assignments(offset=o, limit=100)
    )

"""Calls on workspaces (``/workspaces``) and their budgets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apps.gateway.core import call, credentials_for
from apps.gateway.paging import offset_all

if TYPE_CHECKING:
    from apps.accounts.models import Organisation


def workspaces_list(organisation: Organisation, *, page_size: int = 100) -> list[Any]:
    """Every workspace (the SDK's ``Workspace`` models)."""
    return offset_all(
        credentials_for(organisation),
        lambda sdk, o, n: sdk.workspaces.list(offset=o, limit=n),
        page_size=page_size,
    )


def workspace_budgets_list(organisation: Organisation, workspace_id: str) -> list[Any]:
    """A workspace's budgets (the SDK's ``WorkspaceBudget`` models), one per interval."""
    response = call(
        credentials_for(organisation),
        lambda sdk: sdk.workspaces.list_budgets(workspace_ref=workspace_id),
    )
    return list(response.data or [])

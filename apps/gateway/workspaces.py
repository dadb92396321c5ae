"""Calls on workspaces (``/workspaces``) and their budgets."""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Any

from openrouter.components import createworkspacerequest

from apps.gateway.core import call, credentials_for
from apps.gateway.paging import offset_all

if TYPE_CHECKING:
    from apps.accounts.models import Organisation


def _literal_values(annotation) -> tuple[str, ...]:
    for arg in typing.get_args(annotation):
        if typing.get_origin(arg) is typing.Literal:
            return tuple(typing.get_args(arg))
    return ()


# The server tools a workspace may switch off, as the SDK (the source of truth) lists them.
SERVER_TOOLS: tuple[str, ...] = _literal_values(
    createworkspacerequest.CreateWorkspaceRequestDisabledServerTool
)
PROVIDER_SORTS = ("price", "throughput", "latency", "exacto")


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


def workspace_create(organisation: Organisation, *, name: str, slug: str, **fields: Any) -> Any:
    """Create a workspace (the SDK's ``Workspace``); ``fields`` are the optional settings."""
    return call(
        credentials_for(organisation),
        lambda sdk: sdk.workspaces.create(name=name, slug=slug, **fields),
        idempotent=False,
    ).data


def workspace_update(organisation: Organisation, workspace_id: str, **changes: Any) -> Any:
    """PATCH a workspace: omitted fields are kept, ``None`` clears a nullable one."""
    return call(
        credentials_for(organisation),
        lambda sdk: sdk.workspaces.update(id=workspace_id, **changes),
    ).data


def workspace_delete(organisation: Organisation, workspace_id: str) -> bool:
    """Delete a workspace (refused upstream while it holds active keys)."""
    return call(
        credentials_for(organisation),
        lambda sdk: sdk.workspaces.delete(id=workspace_id),
        idempotent=False,
    ).DELETED


def workspace_members_list(organisation: Organisation, workspace_id: str) -> list[Any]:
    """A workspace's members (the SDK's ``WorkspaceMember`` models)."""
    return offset_all(
        credentials_for(organisation),
        lambda sdk, o, n: sdk.workspaces.list_members(id=workspace_id, offset=o, limit=n),
    )


def workspace_members_add(organisation: Organisation, workspace_id: str, user_ids: list[str]):
    """Add organisation members to a workspace (at most 100 ids a call)."""
    return call(
        credentials_for(organisation),
        lambda sdk: sdk.workspaces.bulk_add_members(id=workspace_id, user_ids=user_ids),
    )


def workspace_members_remove(organisation: Organisation, workspace_id: str, user_ids: list[str]):
    return call(
        credentials_for(organisation),
        lambda sdk: sdk.workspaces.bulk_remove_members(id=workspace_id, user_ids=user_ids),
    )


def workspace_budget_set(
    organisation: Organisation, workspace_id: str, interval: str, limit_usd: float
) -> Any:
    """PUT one budget (``daily``/``weekly``/``monthly``/``lifetime``)."""
    return call(
        credentials_for(organisation),
        lambda sdk: sdk.workspaces.set_budget(
            workspace_ref=workspace_id, interval=interval, limit_usd=limit_usd
        ),
    ).data


def workspace_budget_delete(organisation: Organisation, workspace_id: str, interval: str) -> bool:
    return call(
        credentials_for(organisation),
        lambda sdk: sdk.workspaces.delete_budget(workspace_ref=workspace_id, interval=interval),
    ).DELETED

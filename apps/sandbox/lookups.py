"""Finding an account's objects by the identifiers OpenRouter accepts."""

from __future__ import annotations

import uuid

from apps.sandbox.http import ApiError
from apps.sandbox.models import Account, ApiKey, Workspace


def workspace_by_ref(account: Account, ref: str | None, *, missing_status: int = 404) -> Workspace:
    """A workspace by UUID or slug; the default workspace when ``ref`` is empty.

    ``missing_status``: 404 when the workspace is the resource in the path; 400 when it is
    a parameter of another request (a body field or a list filter), as OpenAPI declares."""
    workspaces = Workspace.objects.filter(account=account)
    if not ref:
        ws = workspaces.filter(is_default=True).first()
        if ws is None:
            raise ApiError(400, "The default workspace was deleted: pass workspace_id")
        return ws
    try:
        ws = workspaces.filter(id=uuid.UUID(ref)).first()
    except ValueError:
        ws = workspaces.filter(slug=ref).first()
    if ws is None:
        raise ApiError(missing_status, "Workspace not found")
    return ws


def key_by_hash(account: Account, key_hash: str) -> ApiKey:
    key = (
        ApiKey.objects.filter(
            account=account, hash=key_hash, is_management=False, deleted_at__isnull=True
        )
        .select_related("workspace")
        .first()
    )
    if key is None:
        raise ApiError(404, "API key not found")
    return key

"""The workspaces stream, registered with the one sync framework."""

from __future__ import annotations

from datetime import timedelta

from apps.accounts.roles import Perm
from apps.syncs.registry import Stream, register
from apps.workspaces.services import workspaces_sync_run

STREAM = "workspaces"


def register_streams() -> None:
    register(
        Stream(
            STREAM,
            "Workspaces",
            interval=timedelta(minutes=30),
            run=workspaces_sync_run,
            view_perm=Perm.VIEW_ALL_WORKSPACES,
            description="Every workspace's settings and its members.",
        )
    )

"""The keys stream, registered with the one sync framework."""

from __future__ import annotations

from datetime import timedelta

from apps.accounts.roles import Perm
from apps.keys.services.sync import keys_sync_run
from apps.syncs.registry import Stream, register

STREAM = "keys"


def register_streams() -> None:
    register(
        Stream(
            STREAM,
            "API keys",
            interval=timedelta(minutes=10),
            run=keys_sync_run,
            view_perm=Perm.VIEW_KEYS,
            description="Every key of every workspace, and the workspaces themselves.",
        )
    )

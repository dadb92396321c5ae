"""The observability destinations stream, registered with the one sync framework."""

from __future__ import annotations

from datetime import timedelta

from apps.accounts.roles import Perm
from apps.observability.selectors import STREAM
from apps.observability.services import observability_sync_run
from apps.syncs.registry import Stream, register


def register_streams() -> None:
    register(
        Stream(
            STREAM,
            "Observability destinations",
            interval=timedelta(minutes=30),
            run=observability_sync_run,
            view_perm=Perm.VIEW_OBSERVABILITY,
            description="Every workspace's broadcast destinations (secrets are never kept).",
        )
    )

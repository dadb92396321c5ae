"""The BYOK stream, registered with the one sync framework."""

from __future__ import annotations

from datetime import timedelta

from apps.accounts.roles import Perm
from apps.byok.selectors import STREAM
from apps.byok.services import byok_sync_run
from apps.syncs.registry import Stream, register


def register_streams() -> None:
    register(
        Stream(
            STREAM,
            "BYOK provider keys",
            interval=timedelta(minutes=30),
            run=byok_sync_run,
            view_perm=Perm.VIEW_BYOK,
            description="Every provider credential of every workspace, and the shared ones.",
        )
    )

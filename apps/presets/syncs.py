"""The presets stream, registered with the one sync framework."""

from __future__ import annotations

from datetime import timedelta

from apps.accounts.roles import Perm
from apps.presets.selectors import STREAM
from apps.presets.services import presets_sync_run
from apps.syncs.registry import Stream, register


def register_streams() -> None:
    register(
        Stream(
            STREAM,
            "Presets",
            interval=timedelta(minutes=30),
            run=presets_sync_run,
            view_perm=Perm.VIEW_PRESETS,
            description="Every preset and each of its versions (read with the console's key).",
        )
    )

"""The guardrails stream, registered with the one sync framework."""

from __future__ import annotations

from datetime import timedelta

from apps.accounts.roles import Perm
from apps.guardrails.services import guardrails_sync_run
from apps.syncs.registry import Stream, register

STREAM = "guardrails"


def register_streams() -> None:
    register(
        Stream(
            STREAM,
            "Guardrails",
            interval=timedelta(minutes=30),
            run=guardrails_sync_run,
            view_perm=Perm.VIEW_GUARDRAILS,
            description="Every workspace's guardrails, and which keys and members hold each.",
        )
    )

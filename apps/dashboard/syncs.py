"""The connection stream: ``GET /key`` with the stored management key, every few minutes."""

from __future__ import annotations

from datetime import timedelta

from apps.accounts.roles import Perm
from apps.dashboard.services import connection_record, connection_record_failure
from apps.gateway import account as gateway_account
from apps.gateway.errors import UpstreamError
from apps.syncs.registry import Stream, register
from apps.syncs.runner import SyncContext

STREAM = "connection"


def connection_sync_run(ctx: SyncContext) -> None:
    try:
        key = gateway_account.current_key(ctx.organisation)
    except UpstreamError as exc:
        connection_record_failure(ctx.organisation, exc)
        raise  # the run records the failure too, and the task retries what may pass later
    connection_record(ctx.organisation, key)
    ctx.rows += 1
    ctx.message = "Management key accepted"


def register_streams() -> None:
    register(
        Stream(
            STREAM,
            "Connection",
            interval=timedelta(minutes=5),
            run=connection_sync_run,
            view_perm=Perm.VIEW_CONNECTION,
            description="Checks the management key with GET /key.",
        )
    )

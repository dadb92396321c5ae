"""The members stream: the upstream organisation's member directory."""

from __future__ import annotations

from datetime import timedelta

from apps.accounts.roles import Perm
from apps.gateway.organization import organization_members
from apps.members.services import members_mirror
from apps.syncs.registry import Stream, register
from apps.syncs.runner import SyncContext


def members_sync_run(ctx: SyncContext) -> None:
    ctx.rows += members_mirror(ctx.organisation, organization_members(ctx.organisation))
    ctx.message = f"{ctx.rows} members"


def register_streams() -> None:
    register(
        Stream(
            "members",
            "Organisation members",
            interval=timedelta(minutes=30),
            run=members_sync_run,
            view_perm=Perm.VIEW_CONNECTION,
            description="Upstream members: names for spend by member, links to console users.",
        )
    )

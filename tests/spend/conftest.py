"""Spend fixtures: a synced organisation, and a gateway that refuses to be called."""

from __future__ import annotations

import pytest

from apps.gateway import account as gateway_account
from apps.members.models import UpstreamIdentity
from apps.spend.services.sync import activity_apply, activity_window
from apps.syncs.runner import sync_run
from tests.spend.samples import analytics_rows_from_sandbox


def sync_activity_recorded(organisation, account) -> int:
    """Activity from the sandbox's ``/activity``; the key breakdown from a recorded answer."""
    items = gateway_account.activity_list(organisation, group_by="workspace")
    return activity_apply(
        organisation, activity_window(), items, analytics_rows_from_sandbox(account)
    )


@pytest.fixture
def synced(organisation, sandbox_account):
    """The organisation with keys, credits and activity synced from the sandbox."""
    for stream in ("keys", "credits"):
        assert sync_run(organisation, stream).run.ok
    sync_activity_recorded(organisation, sandbox_account[0])
    return organisation


@pytest.fixture
def no_upstream(monkeypatch):
    """Any upstream call fails the test: pages must read local tables only."""
    calls: list[str] = []

    def refuse(*args, **kwargs):
        calls.append("call")
        raise AssertionError("a spend page called upstream")

    monkeypatch.setattr("apps.gateway.core.call", refuse)
    monkeypatch.setattr("apps.gateway.core._attempt", refuse)
    return calls


@pytest.fixture
def member_identity(organisation, member, sandbox_account):
    """Link the member persona to the upstream user who created some keys."""
    account, _secret = sandbox_account
    key = account.keys.filter(is_management=False).order_by("numeric_id").first()
    UpstreamIdentity.objects.create(
        organisation=organisation, user=member, upstream_user_id=key.creator_user_id
    )
    return key.creator_user_id

from __future__ import annotations

import pytest

from apps.audit.context import Actor
from apps.members.models import UpstreamIdentity
from apps.sandbox.models import Workspace as SandboxWorkspace
from apps.syncs.runner import sync_run
from apps.workspaces.models import Workspace


@pytest.fixture
def mirrored(organisation, catalog):
    """The mirrors the workspaces pages read: keys, members, workspaces (with their members)
    and budgets, each by its real stream against the session's sandbox."""
    for stream in ("keys", "members", "workspaces", "budgets"):
        outcome = sync_run(organisation, stream)
        assert outcome.run.ok, f"{stream}: {outcome.run.error}"
    return organisation


@pytest.fixture
def actor(admin, organisation) -> Actor:
    return Actor(organisation=organisation, user=admin)


@pytest.fixture
def default_ws(mirrored, sandbox_account) -> Workspace:
    account, _secret = sandbox_account
    upstream = SandboxWorkspace.objects.get(account=account, is_default=True)
    return Workspace.objects.get(organisation=mirrored, workspace_id=str(upstream.id))


@pytest.fixture
def other_ws(mirrored, sandbox_account) -> Workspace:
    """A non-default workspace that holds keys and budgets (lifetime, monthly, weekly)."""
    account, _secret = sandbox_account
    upstream = (
        SandboxWorkspace.objects.filter(account=account, is_default=False)
        .order_by("created_at", "id")
        .first()
    )
    return Workspace.objects.get(organisation=mirrored, workspace_id=str(upstream.id))


@pytest.fixture
def empty_ws(mirrored, sandbox_account) -> Workspace:
    """A workspace without keys (so it may be deleted), made upstream and mirrored."""
    account, _secret = sandbox_account
    upstream = SandboxWorkspace.objects.create(account=account, name="Scratch", slug="scratch")
    outcome = sync_run(mirrored, "workspaces")
    assert outcome.run.ok
    return Workspace.objects.get(organisation=mirrored, workspace_id=str(upstream.id))


@pytest.fixture
def outside_member_id(sandbox_account, other_ws) -> str:
    """An organisation member who is not in ``other_ws``."""
    account, _secret = sandbox_account
    inside = set(
        SandboxWorkspace.objects.get(id=other_ws.workspace_id).memberships.values_list(
            "user_id", flat=True
        )
    )
    return next(m.user_id for m in account.members.order_by("user_id") if m.user_id not in inside)


@pytest.fixture
def member_linked_outside(organisation, member, outside_member_id) -> str:
    """The member persona is the upstream user who is not in ``other_ws``."""
    UpstreamIdentity.objects.create(
        organisation=organisation, user=member, upstream_user_id=outside_member_id
    )
    return outside_member_id


@pytest.fixture
def no_upstream(monkeypatch):
    """Any upstream call fails the test: pages read local tables only."""

    def refuse(*args, **kwargs):
        raise AssertionError("a workspaces page called upstream")

    monkeypatch.setattr("apps.gateway.core.call", refuse)
    monkeypatch.setattr("apps.gateway.core._attempt", refuse)

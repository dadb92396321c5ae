from __future__ import annotations

import pytest

from apps.audit.context import Actor
from apps.keys.models import Key
from apps.syncs.runner import sync_run


@pytest.fixture
def synced(organisation):
    """The organisation with its keys (and workspaces) mirrored by one sync pass."""
    outcome = sync_run(organisation, "keys")
    assert outcome.run.ok, outcome.run.error
    return outcome.run


@pytest.fixture
def actor_for():
    def make(user, organisation=None) -> Actor:
        membership = user.memberships.select_related("organisation").first()
        return Actor(organisation=organisation or membership.organisation, user=user)

    return make


@pytest.fixture
def some_key(synced, organisation) -> Key:
    return Key.objects.filter(organisation=organisation, disabled=False).order_by("name").first()

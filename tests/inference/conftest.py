from __future__ import annotations

import pytest

from apps.audit.context import Actor
from apps.syncs.runner import sync_run


@pytest.fixture
def synced_keys(organisation):
    """Workspaces and keys mirrored, so console keys land in a known workspace list."""
    outcome = sync_run(organisation, "keys")
    assert outcome.run.ok, outcome.run.error
    return outcome.run


@pytest.fixture
def actor_for(organisation):
    def make(user) -> Actor:
        return Actor(organisation=organisation, user=user)

    return make

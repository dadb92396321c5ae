from __future__ import annotations

import pytest

from apps.audit.context import Actor
from apps.byok.models import ByokCredential
from apps.syncs.runner import sync_run


@pytest.fixture
def byok(organisation):
    """The organisation's BYOK credentials (and workspaces) mirrored by one pass."""
    outcome = sync_run(organisation, "byok")
    assert outcome.run.ok, outcome.run.error
    return outcome.run


@pytest.fixture
def mirrors(organisation, catalog, byok):
    """Everything the BYOK form's pickers check against: catalog, keys, members, BYOK."""
    for stream in ("keys", "members"):
        outcome = sync_run(organisation, stream)
        assert outcome.run.ok, outcome.run.error


@pytest.fixture
def actor(admin, organisation) -> Actor:
    return Actor(organisation=organisation, user=admin)


@pytest.fixture
def openai_primary(byok, organisation) -> ByokCredential:
    return ByokCredential.objects.get(organisation=organisation, name="Prod OpenAI (primary)")

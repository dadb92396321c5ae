from __future__ import annotations

import pytest

from apps.audit.context import Actor
from apps.observability.models import Destination
from apps.syncs.runner import sync_run


@pytest.fixture
def destinations(organisation):
    """The organisation's destinations (and workspaces) mirrored by one pass."""
    outcome = sync_run(organisation, "observability")
    assert outcome.run.ok, outcome.run.error
    return outcome.run


@pytest.fixture
def keys_mirrored(organisation, destinations):
    """The keys mirror the key picker checks against."""
    outcome = sync_run(organisation, "keys")
    assert outcome.run.ok, outcome.run.error


@pytest.fixture
def actor(admin, organisation) -> Actor:
    return Actor(organisation=organisation, user=admin)


@pytest.fixture
def langfuse(destinations, organisation) -> Destination:
    return Destination.objects.get(organisation=organisation, name="Prod Langfuse")


@pytest.fixture
def webhook(destinations, organisation) -> Destination:
    return Destination.objects.get(organisation=organisation, name="Cost alerts webhook")

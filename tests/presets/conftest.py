from __future__ import annotations

import pytest

from apps.audit.context import Actor
from apps.presets.models import Preset
from apps.syncs.runner import sync_run


@pytest.fixture
def presets(organisation):
    """The organisation's presets with every version, mirrored by one pass."""
    outcome = sync_run(organisation, "presets")
    assert outcome.run.ok, outcome.run.error
    return outcome.run


@pytest.fixture
def actor(admin, organisation) -> Actor:
    return Actor(organisation=organisation, user=admin)


@pytest.fixture
def support_bot(presets, organisation) -> Preset:
    return Preset.objects.get(organisation=organisation, slug="support-bot")

from __future__ import annotations

import pytest

from apps.guardrails.models import Guardrail
from apps.syncs.runner import sync_run


@pytest.fixture
def mirrored(organisation, catalog):
    """Keys, members, workspaces and guardrails mirrored by their real streams."""
    for stream in ("keys", "members", "workspaces", "guardrails"):
        outcome = sync_run(organisation, stream)
        assert outcome.run.ok, f"{stream}: {outcome.run.error}"
    return organisation


@pytest.fixture
def capped(mirrored) -> Guardrail:
    return Guardrail.objects.get(organisation=mirrored, name="Interns - capped")


@pytest.fixture
def research(mirrored) -> Guardrail:
    return Guardrail.objects.get(organisation=mirrored, name="Research sandbox")


@pytest.fixture
def no_upstream(monkeypatch):
    """Any upstream call fails the test: pages read local tables only."""

    def refuse(*args, **kwargs):
        raise AssertionError("a guardrails page called upstream")

    monkeypatch.setattr("apps.gateway.core._attempt", refuse)

"""The demo seed's management data: realistic, consistent, and readable through the API."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.sandbox.enforcement import check_workspace_budgets
from apps.sandbox.models import (
    ApiKey,
    ByokKey,
    Generation,
    Guardrail,
    GuardrailKeyAssignment,
    GuardrailMemberAssignment,
    ObservabilityDestination,
    Preset,
    WorkspaceBudget,
)
from apps.sandbox.models.management import BUDGET_INTERVALS
from apps.sandbox.seed import SeedOptions, seed_account
from apps.sandbox.usage import utc_today
from tests.sandbox.management_support import Api, sdk

pytestmark = pytest.mark.django_db


def test_each_account_gets_management_demo_data(sandbox_account):
    account, _secret = sandbox_account
    assert ByokKey.objects.filter(account=account).count() >= 3
    assert 2 <= Guardrail.objects.filter(account=account).count() <= 3
    assert GuardrailKeyAssignment.objects.filter(guardrail__account=account).exists()
    assert GuardrailMemberAssignment.objects.filter(account=account).exists()
    assert WorkspaceBudget.objects.filter(workspace__account=account).exists()
    assert ObservabilityDestination.objects.filter(account=account).count() == 2
    presets = Preset.objects.filter(account=account)
    assert presets.count() == 2
    assert all(p.versions.count() >= 2 for p in presets)
    assert all(p.designated_version.version == p.versions.count() for p in presets)
    generations = Generation.objects.filter(account=account)
    assert generations.count() == 60
    oldest = min(g.created_at.date() for g in generations)
    assert oldest >= utc_today() - timedelta(days=14)


def test_seeded_budgets_respect_the_ordering(sandbox_account):
    account, _secret = sandbox_account
    for ws in account.workspaces.all():
        limits = {b.interval: b.limit_usd for b in WorkspaceBudget.objects.filter(workspace=ws)}
        ordered = [limits[i] for i in BUDGET_INTERVALS if i in limits]
        assert ordered == sorted(ordered, reverse=True)
        assert len(set(ordered)) == len(ordered)


def test_seeded_workspace_budgets_leave_head_room(sandbox_account):
    account, _secret = sandbox_account
    keys = ApiKey.objects.filter(account=account, is_management=False).select_related("workspace")
    assert keys.exists()
    for key in keys:
        check_workspace_budgets(account, key, 0.0)


def test_seed_is_deterministic():
    options = SeedOptions(account_id="org_seedcheck000000000000000001", keys=6, days=20)
    seed_account(options)
    first = sorted(
        Generation.objects.filter(account_id=options.account_id).values_list("id", "total_cost")
    )
    seed_account(options)
    again = sorted(
        Generation.objects.filter(account_id=options.account_id).values_list("id", "total_cost")
    )
    assert first == again


def test_seeded_objects_parse_with_the_sdk(sandbox_account):
    account, secret = sandbox_account
    client = sdk(secret)
    assert client.byok.list().result.total_count >= 1
    assert client.guardrails.list().result.total_count >= 1
    assert client.guardrails.list_key_assignments().result.total_count >= 1
    assert client.observability.list().result.total_count >= 1
    assert client.presets.get(slug="support-bot").data.designated_version.version == 2
    for generation in Generation.objects.filter(account=account)[:60]:
        assert client.generations.get_generation(id=generation.id).data.id == generation.id
        if generation.content_input is not None:
            client.generations.list_generation_content(id=generation.id)
    for ws in account.workspaces.all():
        client.workspaces.list_budgets(workspace_ref=str(ws.id))
        client.workspaces.list_members(id=str(ws.id))
    seeded_destination = ObservabilityDestination.objects.filter(account=account, type="langfuse")
    data = Api(secret).get(f"/observability/destinations/{seeded_destination.first().id}")
    assert "..." in data.json()["data"]["config"]["secretKey"]

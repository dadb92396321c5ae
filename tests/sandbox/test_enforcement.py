"""``check_inference_allowed``: guardrail allowlists and budgets, workspace budgets, 402s."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from apps.sandbox.enforcement import check_inference_allowed
from apps.sandbox.http import ApiError
from apps.sandbox.models import ActivityRecord, ApiKey
from apps.sandbox.usage import utc_today
from tests.sandbox.management_support import Api, inference_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(sandbox_account):
    account, secret = sandbox_account
    api = Api(secret)
    ws = api.post("/workspaces", {"name": "Lab", "slug": "lab"}).json()["data"]
    key_hash, _ = inference_key(api, workspace_id=ws["id"])
    key = ApiKey.objects.select_related("workspace").get(hash=key_hash)
    return account, api, key


def _spend(account, key, usd: float):
    ActivityRecord.objects.create(
        account=account,
        date=utc_today(),
        key_hash=key.hash,
        user_id=key.creator_user_id,
        workspace=key.workspace,
        model="openai/gpt-4.1",
        model_permaslug="openai/gpt-4.1-2025-04-14",
        endpoint_id=uuid.uuid4(),
        provider_name="OpenAI",
        requests=1,
        usage=usd,
    )


def _guardrail(api: Api, key: ApiKey, **body) -> dict:
    g = api.post("/guardrails", {"name": "g", **body}).json()["data"]
    api.post(f"/guardrails/{g['id']}/assignments/keys", {"key_hashes": [key.hash]})
    return g


def _status(account, key, model="openai/gpt-4.1", cost=0.0):
    try:
        check_inference_allowed(account, key, model, cost)
    except ApiError as exc:
        return exc.status, exc.message
    return 200, ""


def test_unrestricted_key_may_run(setup):
    account, _api, key = setup
    assert _status(account, key) == (200, "")


def test_model_outside_the_allowlist_is_403(setup):
    account, api, key = setup
    _guardrail(api, key, allowed_models=["openai/gpt-4.1"])
    assert _status(account, key, "openai/gpt-4.1")[0] == 200
    assert _status(account, key, "openai/gpt-4.1-2025-04-14")[0] == 200
    status, message = _status(account, key, "anthropic/claude-sonnet-4.5")
    assert status == 403 and "not allowed" in message


def test_ignored_providers_leave_the_other_endpoints_and_403_when_none_is_left(setup):
    account, api, key = setup
    _guardrail(api, key, ignored_providers=["openai"])
    assert _status(account, key, "openai/gpt-4.1")[0] == 200  # Azure serves it
    g = api.post("/guardrails", {"name": "no-openai", "ignored_providers": ["openai", "azure"]})
    api.post(f"/guardrails/{g.json()['data']['id']}/assignments/keys", {"key_hashes": [key.hash]})
    assert _status(account, key, "openai/gpt-4.1")[0] == 403
    assert _status(account, key, "anthropic/claude-sonnet-4.5")[0] == 200


def test_exhausted_guardrail_budget_is_403(setup):
    account, api, key = setup
    _guardrail(api, key, limit_usd=1, reset_interval="daily")
    _spend(account, key, 0.5)
    assert _status(account, key)[0] == 200
    # A budget blocks once met, not on an estimate of the next request.
    assert _status(account, key, cost=0.6)[0] == 200
    _spend(account, key, 0.5)
    status, message = _status(account, key)
    assert status == 403 and "budget" in message


def test_member_guardrail_applies_to_keys_the_member_created(setup):
    account, api, key = setup
    g = api.post("/guardrails", {"name": "m", "allowed_providers": ["anthropic"]}).json()["data"]
    api.post(
        f"/guardrails/{g['id']}/assignments/members", {"member_user_ids": [key.creator_user_id]}
    )
    assert _status(account, key, "openai/gpt-4.1")[0] == 403


def test_exhausted_workspace_budget_is_403_naming_the_broadest_interval(setup):
    account, api, key = setup
    api.put("/workspaces/lab/budgets/monthly", {"limit_usd": 2})
    api.put("/workspaces/lab/budgets/daily", {"limit_usd": 1})
    _spend(account, key, 2.5)
    status, message = _status(account, key)
    assert status == 403 and "monthly" in message


def test_key_limit_and_credits_are_402(setup):
    account, _api, key = setup
    key.limit = 1.0
    key.save()
    _spend(account, key, 1.0)
    assert _status(account, key)[0] == 402
    key.limit = None
    key.save()
    account.total_credits = Decimal("0")
    account.save()
    assert _status(account, key)[0] == 402

"""Generation metadata, stored content and feedback; SDK parsing."""

from __future__ import annotations

import pytest

from apps.sandbox.models import Generation
from tests.sandbox.management_support import Api, inference_key, sdk

pytestmark = pytest.mark.django_db


@pytest.fixture
def generation(sandbox_account) -> Generation:
    account, _secret = sandbox_account
    ws = account.workspaces.get(is_default=True)
    return Generation.objects.create(
        id="gen-1700000000-abcdefghijklmnopqrst",
        account=account,
        workspace=ws,
        model="openai/gpt-4.1-2025-04-14",
        origin="https://app.example",
        provider_name="OpenAI",
        total_cost=0.0123,
        usage=0.0123,
        tokens_prompt=120,
        tokens_completion=30,
        finish_reason="stop",
        streamed=False,
        provider_responses=[{"status": 200, "provider_name": "OpenAI", "latency": 320.0}],
        content_input={"messages": [{"role": "user", "content": "hi"}]},
        content_output={"completion": "hello", "reasoning": None},
    )


def test_generation_has_every_field_with_explicit_nulls(sandbox_account, generation):
    _account, secret = sandbox_account
    data = Api(secret).get("/generation", id=generation.id).json()["data"]
    assert data["id"] == generation.id
    assert data["total_cost"] == 0.0123
    assert data["api_type"] == "completions"
    assert data["data_region"] == "global"
    assert data["workspace_id"] == str(generation.workspace_id)
    for name in ("app_id", "upstream_id", "native_tokens_reasoning", "preset_id", "router"):
        assert name in data and data[name] is None


def test_any_account_key_may_read_but_another_account_gets_404(
    sandbox_account, other_sandbox_account, generation
):
    _hash, ordinary = inference_key(Api(sandbox_account[1]))
    assert Api(ordinary).get("/generation", id=generation.id).status_code == 200
    assert Api(other_sandbox_account[1]).get("/generation", id=generation.id).status_code == 404
    assert Api(ordinary).get("/generation").status_code == 400


def test_content_is_served_when_stored_else_404(sandbox_account, generation):
    _account, secret = sandbox_account
    api = Api(secret)
    body = api.get("/generation/content", id=generation.id).json()["data"]
    assert body == {
        "input": {"messages": [{"role": "user", "content": "hi"}]},
        "output": {"completion": "hello", "reasoning": None},
        "error": None,
    }
    generation.content_input = None
    generation.save()
    assert api.get("/generation/content", id=generation.id).status_code == 404


def test_feedback_needs_a_known_generation_and_category(sandbox_account, generation):
    _account, secret = sandbox_account
    api = Api(secret)
    ok = api.post("/generation/feedback", {"generation_id": generation.id, "category": "latency"})
    assert ok.json() == {"data": {"success": True}}
    assert (
        api.post(
            "/generation/feedback", {"generation_id": generation.id, "category": "vibes"}
        ).status_code
        == 400
    )
    assert (
        api.post(
            "/generation/feedback", {"generation_id": "gen-0-x", "category": "other"}
        ).status_code
        == 404
    )


def test_sdk_parses_generation_and_content(sandbox_account, generation):
    _account, secret = sandbox_account
    client = sdk(secret)
    meta = client.generations.get_generation(id=generation.id)
    assert meta.data.provider_responses[0].status == 200
    content = client.generations.list_generation_content(id=generation.id)
    assert content.data.output.completion == "hello"
    fb = client.generations.submit_feedback(generation_id=generation.id, category="billing")
    assert fb.data.SUCCESS is True

"""Inference: deterministic answers, usage and cost, charging, refusals, stream framing."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from apps.sandbox.catalog import MODELS_BY_ID
from apps.sandbox.keys_service import key_insert
from apps.sandbox.models import ActivityRecord, Generation, Workspace

pytestmark = pytest.mark.django_db

BASE = "/sandbox/api/v1"
CHAT = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Hello there"}]}


def api(secret: str | None) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}") if secret else Client()


def post(secret, path, body):
    return api(secret).post(f"{BASE}{path}", json.dumps(body), content_type="application/json")


@pytest.fixture
def inference_key(sandbox_account):
    account, _secret = sandbox_account
    workspace = Workspace.objects.get(account=account, is_default=True)
    key, secret = key_insert(account, workspace, name="inference", limit=None)
    return key, secret


def _credits(management_secret) -> dict:
    return api(management_secret).get(f"{BASE}/credits").json()["data"]


def _key_usage(secret) -> dict:
    return api(secret).get(f"{BASE}/key").json()["data"]


def test_chat_completion_is_deterministic_and_priced_from_the_catalog(inference_key):
    _key, secret = inference_key
    first = post(secret, "/chat/completions", CHAT).json()
    second = post(secret, "/chat/completions", CHAT).json()
    assert first["choices"][0]["message"]["content"] == second["choices"][0]["message"]["content"]
    usage = first["usage"]
    model = MODELS_BY_ID["openai/gpt-4o-mini"]
    expected = (
        usage["prompt_tokens"] * model.prompt_price
        + usage["completion_tokens"] * model.completion_price
    )
    assert usage["cost"] == pytest.approx(expected)
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_inference_lowers_credits_and_raises_key_usage(sandbox_account, inference_key):
    _account, management = sandbox_account
    _key, secret = inference_key
    before_credits, before_key = _credits(management), _key_usage(secret)
    cost = post(secret, "/chat/completions", CHAT).json()["usage"]["cost"]
    cost += post(
        secret, "/embeddings", {"model": "openai/text-embedding-3-small", "input": "x"}
    ).json()["usage"]["cost"]
    after_credits, after_key = _credits(management), _key_usage(secret)
    # The API rounds USD to 6 decimals, like upstream.
    assert cost > 0
    assert after_credits["total_usage"] == pytest.approx(
        before_credits["total_usage"] + cost, abs=2e-6
    )
    assert after_key["usage"] == pytest.approx(before_key["usage"] + cost, abs=2e-6)
    assert after_key["usage_daily"] == pytest.approx(before_key["usage_daily"] + cost, abs=2e-6)
    assert after_key["usage"] > before_key["usage"]


def test_calls_upsert_one_activity_row_per_day_key_and_model(inference_key):
    key, secret = inference_key
    for _ in range(3):
        post(secret, "/chat/completions", CHAT)
    rows = ActivityRecord.objects.filter(key_hash=key.hash)
    assert rows.count() == 1
    assert rows.get().requests == 3
    assert rows.get().model_permaslug == "openai/gpt-4o-mini-2024-07-18"


def test_each_call_records_a_generation_readable_through_the_api(inference_key):
    key, secret = inference_key
    answer = post(secret, "/chat/completions", CHAT).json()
    generation = Generation.objects.get(id=answer["id"])
    assert generation.key_hash == key.hash
    assert generation.total_cost == pytest.approx(answer["usage"]["cost"])
    assert generation.api_type == "completions"
    data = api(secret).get(f"{BASE}/generation", {"id": answer["id"]}).json()["data"]
    assert data["tokens_prompt"] == answer["usage"]["prompt_tokens"]


def test_key_limit_exhausted_answers_402_with_the_key_limit_source(sandbox_account):
    account, _ = sandbox_account
    workspace = Workspace.objects.get(account=account, is_default=True)
    _key, secret = key_insert(account, workspace, name="tiny", limit=0.0000001)
    # A limit blocks once spent (not on an estimate): the first call runs and overshoots.
    assert post(secret, "/chat/completions", CHAT).status_code == 200
    response = post(secret, "/chat/completions", CHAT)
    assert response.status_code == 402
    assert response.json()["error"]["metadata"]["limit_source"] == "openrouter_key_limit"


def test_exhausted_account_balance_answers_402_with_the_credits_source(
    sandbox_account, inference_key
):
    account, _ = sandbox_account
    _key, secret = inference_key
    account.total_credits = 0
    account.save(update_fields=["total_credits"])
    response = post(secret, "/chat/completions", CHAT)
    assert response.status_code == 402
    assert response.json()["error"]["metadata"]["limit_source"] == "openrouter_credits"
    assert not Generation.objects.filter(key_hash=_key.hash).exists()


def test_management_key_cannot_do_inference(sandbox_account):
    _account, management = sandbox_account
    response = post(management, "/chat/completions", CHAT)
    assert response.status_code == 403
    assert response.json()["error"]["metadata"]["error_type"] == "permission_denied"


def test_model_outside_the_guardrail_allowlist_is_refused_with_403(sandbox_account, inference_key):
    _account, management = sandbox_account
    key, secret = inference_key
    guardrail = post(
        management,
        "/guardrails",
        {"name": "only claude", "allowed_models": ["anthropic/claude-haiku-4.5"]},
    ).json()["data"]
    post(management, f"/guardrails/{guardrail['id']}/assignments/keys", {"key_hashes": [key.hash]})
    assert post(secret, "/chat/completions", CHAT).status_code == 403
    allowed = {**CHAT, "model": "anthropic/claude-haiku-4.5"}
    assert post(secret, "/chat/completions", allowed).status_code == 200
    listed = [m["id"] for m in api(secret).get(f"{BASE}/models/user").json()["data"]]
    assert listed == ["anthropic/claude-haiku-4.5"]


def test_unknown_model_is_404_and_wrong_kind_is_400(inference_key):
    _key, secret = inference_key
    assert post(secret, "/chat/completions", {**CHAT, "model": "acme/none"}).status_code == 404
    assert (
        post(secret, "/chat/completions", {**CHAT, "model": "openai/whisper-1"}).status_code == 400
    )


def test_stream_is_server_sent_events_ending_with_done(inference_key):
    _key, secret = inference_key
    response = post(secret, "/chat/completions", {**CHAT, "stream": True})
    assert response["Content-Type"] == "text/event-stream"
    raw = b"".join(response.streaming_content).decode()
    frames = [f for f in raw.split("\n\n") if f]
    assert frames[0].startswith(":")  # a keep-alive comment, like upstream
    assert frames[-1] == "data: [DONE]"
    chunks = [json.loads(f.removeprefix("data: ")) for f in frames[1:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    plain = post(secret, "/chat/completions", CHAT).json()["choices"][0]["message"]["content"]
    assert text == plain
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["usage"]["total_tokens"] > 0


def test_max_tokens_truncates_with_finish_reason_length(inference_key):
    _key, secret = inference_key
    answer = post(secret, "/chat/completions", {**CHAT, "max_tokens": 3}).json()
    assert answer["choices"][0]["finish_reason"] == "length"
    assert answer["usage"]["completion_tokens"] <= 3


def test_speech_returns_real_audio_bytes(inference_key):
    _key, secret = inference_key
    body = {"model": "openai/gpt-4o-mini-tts", "input": "Hello", "voice": "alloy"}
    mp3 = post(secret, "/audio/speech", {**body, "response_format": "mp3"})
    assert mp3["Content-Type"] == "audio/mpeg"
    assert mp3.content[:2] == b"\xff\xfb"  # an MPEG-1 Layer III frame header
    pcm = post(secret, "/audio/speech", body)
    assert pcm["Content-Type"] == "audio/pcm" and len(pcm.content) % 2 == 0


def test_images_are_valid_png(inference_key):
    import base64

    _key, secret = inference_key
    data = post(
        secret, "/images", {"model": "black-forest-labs/flux-schnell", "prompt": "kite", "n": 2}
    ).json()
    assert len(data["data"]) == 2
    assert base64.b64decode(data["data"][0]["b64_json"]).startswith(b"\x89PNG\r\n\x1a\n")


def test_rerank_orders_documents_by_relevance(inference_key):
    _key, secret = inference_key
    body = {
        "model": "cohere/rerank-v3.5",
        "query": "cats purr",
        "documents": ["dogs bark", "cats purr loudly"],
    }
    results = post(secret, "/rerank", body).json()["results"]
    assert [r["index"] for r in results] == [1, 0]


def test_messages_and_responses_skins_answer_in_their_own_shapes(inference_key):
    _key, secret = inference_key
    message = post(
        secret, "/messages", {"model": "anthropic/claude-haiku-4.5", "messages": CHAT["messages"]}
    ).json()
    assert message["type"] == "message" and message["content"][0]["type"] == "text"
    response = post(secret, "/responses", {"model": "openai/gpt-4.1-mini", "input": "Hi"}).json()
    assert response["object"] == "response" and response["output_text"]
    error = post(
        secret, "/messages", {"model": "anthropic/claude-haiku-4.5", "messages": []}
    ).json()
    assert error["type"] == "error" and error["error"]["type"] == "invalid_request_error"


def test_spending_a_key_limit_turns_the_next_call_into_402(sandbox_account):
    account, _ = sandbox_account
    workspace = Workspace.objects.get(account=account, is_default=True)
    _key, secret = key_insert(account, workspace, name="capped", limit=0.00001)
    assert post(secret, "/chat/completions", CHAT).status_code == 200
    assert _key_usage(secret)["limit_remaining"] == 0  # the call overshot the limit
    assert post(secret, "/chat/completions", CHAT).status_code == 402


def test_messages_stream_uses_anthropic_event_names_without_done(inference_key):
    _key, secret = inference_key
    body = {"model": "anthropic/claude-haiku-4.5", "messages": CHAT["messages"], "stream": True}
    raw = b"".join(post(secret, "/messages", body).streaming_content).decode()
    names = [
        line.removeprefix("event: ") for line in raw.splitlines() if line.startswith("event: ")
    ]
    assert names[0] == "message_start" and names[-1] == "message_stop"
    assert "content_block_delta" in names
    assert "[DONE]" not in raw


def test_exhausted_workspace_budget_refuses_inference_with_403(sandbox_account, inference_key):
    _account, management = sandbox_account
    key, secret = inference_key
    assert post(secret, "/chat/completions", CHAT).status_code == 200  # some spend today
    budget = api(management).put(
        f"{BASE}/workspaces/{key.workspace_id}/budgets/daily",
        json.dumps({"limit_usd": 0.00000001}),
        content_type="application/json",
    )
    assert budget.status_code == 200
    response = post(secret, "/chat/completions", CHAT)
    assert response.status_code == 403
    assert "daily" in response.json()["error"]["message"]

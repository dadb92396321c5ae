"""Every one of the lap file's 88 endpoints, called through the official SDK against the
in-process sandbox: success bodies parse without validation errors, and the declared
401/403/404/400/402 refusals happen (typed SDK errors, OpenRouter's error body).
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from openrouter import errors as sdk_errors

from tests.sandbox.or_harness import CALLS, MSG, World, lap_endpoints, raw

pytestmark = pytest.mark.django_db

LAP = {e.key: e for e in lap_endpoints()}
BAD_SECRET = "sk-or-v1-" + "0" * 64


@pytest.fixture
def world(sandbox_account, settings) -> World:
    settings.SANDBOX_VIDEO_SECONDS = 0  # video jobs complete at once
    account, secret = sandbox_account
    return World(account, secret)


class Variant:
    """The same world seen with another key and/or other ids (unknown ones for 404s)."""

    def __init__(self, world: World, *, mgmt_key=None, key=None, **overrides) -> None:
        self._world = world
        self._overrides = overrides
        if mgmt_key is not None:
            self._overrides["mgmt"] = world.sdk_with(mgmt_key)
        if key is not None:
            self._overrides["sdk"] = world.sdk_with(key)
            self._overrides["key_secret"] = key

    def __getattr__(self, name):
        if name in self._overrides:
            value = self._overrides[name]
            return value(self._world) if callable(value) and name not in ("mgmt", "sdk") else value
        return getattr(self._world, name)


def expect_status(call, w, status: int) -> None:
    try:
        result = call(w)
    except sdk_errors.ResponseValidationError as exc:  # a parse failure is never acceptable
        pytest.fail(f"SDK could not parse the sandbox's answer: {exc}")
    except sdk_errors.OpenRouterError as exc:
        assert exc.status_code == status, exc.body
        return
    assert isinstance(result, httpx.Response), f"expected HTTP {status}, the call succeeded"
    assert result.status_code == status, result.text
    body = result.json()
    if body.get("type") == "error":  # the Anthropic skin's error shape
        assert body["error"]["type"].endswith("_error")
    else:
        assert body["error"]["code"] == status


def test_the_lap_file_lists_88_endpoints_and_each_has_a_conformance_call():
    assert len(LAP) == 88
    assert sorted(CALLS) == sorted(LAP)


@pytest.mark.parametrize("endpoint", sorted(LAP))
def test_endpoint_succeeds_and_parses_through_the_sdk(world, endpoint):
    result = CALLS[endpoint](world)  # ResponseValidationError would fail the test here
    last = world.log[-1]
    if endpoint == "POST /credits/coinbase":
        # Retired upstream: its only declared answers are 200 (never) and 410.
        assert last.status == 410 and result.json()["error"]["code"] == 410
        return
    assert 200 <= last.status < 300, last.body[:500]
    if endpoint == "POST /messages":
        assert result.json()["type"] == "message"
    else:
        assert result is not None


# --- 401: no key, or an unknown one --------------------------------------------------------

UNAUTHORIZED = sorted(k for k, e in LAP.items() if 401 in e.errors)


@pytest.mark.parametrize("endpoint", UNAUTHORIZED)
def test_endpoint_refuses_an_unknown_key_with_401(world, endpoint):
    expect_status(CALLS[endpoint], Variant(world, mgmt_key=BAD_SECRET, key=BAD_SECRET), 401)


@pytest.mark.parametrize("endpoint", ["GET /credits", "GET /keys", "POST /chat/completions"])
def test_endpoint_refuses_a_missing_key_with_401(world, endpoint):
    expect_status(CALLS[endpoint], Variant(world, mgmt_key="", key=""), 401)


# --- 403: an ordinary key on a management route --------------------------------------------

MANAGEMENT_GROUPS = (
    "/activity",
    "/analytics",
    "/byok",
    "/credits",
    "/guardrails",
    "/keys",
    "/observability",
    "/organization",
    "/workspaces",
)
MANAGEMENT = sorted(
    k
    for k in LAP
    if k.split(" ", 1)[1].startswith(MANAGEMENT_GROUPS) and k != "POST /credits/coinbase"
)


@pytest.mark.parametrize("endpoint", MANAGEMENT)
def test_management_endpoint_refuses_an_ordinary_key_with_403(world, endpoint):
    expect_status(CALLS[endpoint], Variant(world, mgmt_key=world.key_secret), 403)


# --- 404: unknown ids ------------------------------------------------------------------------

UNKNOWN_IDS = {
    "key_hash": "f" * 64,
    "byok_id": str(uuid.UUID(int=1)),
    "guardrail_id": str(uuid.UUID(int=2)),
    "destination_id": str(uuid.UUID(int=3)),
    "workspace_id": str(uuid.UUID(int=4)),
    "preset_slug": "no-such-preset",
    "generation_id": "gen-0-doesnotexist0000000000",
    "file_id": "or_file_doesnotexist",
    "server_file_id": "or_file_doesnotexist",
    "video_id": "gen-vid-0-doesnotexist00000000",
}
NOT_FOUND_CALLS = {
    "GET /model/{author}/{slug}": lambda w: w.sdk.models.get(author="nobody", slug="nothing"),
    "GET /models/{author}/{slug}/endpoints": lambda w: w.sdk.endpoints.list(
        author="nobody", slug="nothing"
    ),
    "GET /images/models/{author}/{slug}/endpoints": lambda w: w.sdk.images.list_model_endpoints(
        author="nobody", slug="nothing"
    ),
    "GET /presets/{slug}/versions/{version}": lambda w: w.sdk.presets.get_version(
        slug=w._world.preset_slug, version="99"
    ),
    "GET /activity": lambda w: w.mgmt.analytics.get_user_activity(
        request={"api_key_hash": "f" * 64}
    ),
    "POST /chat/completions": lambda w: w.sdk.chat.send(messages=MSG, model="nobody/nothing"),
    "POST /messages": lambda w: raw(
        w.sdk, "POST", "/messages", json={"model": "nobody/nothing", "messages": MSG}
    ),
    "POST /responses": lambda w: w.sdk.beta.responses.send(input="hi", model="nobody/nothing"),
    "POST /embeddings": lambda w: w.sdk.embeddings.generate(input="hi", model="nobody/nothing"),
    "POST /rerank": lambda w: w.sdk.rerank.rerank(documents=["a"], model="nobody/x", query="a"),
    "POST /images": lambda w: w.sdk.images.generate(model="nobody/nothing", prompt="a"),
    "POST /videos": lambda w: w.sdk.video_generation.generate(model="nobody/x", prompt="a"),
    "POST /audio/speech": lambda w: w.sdk.tts.create_speech(
        input="hi", model="nobody/nothing", voice="alloy"
    ),
    "POST /audio/transcriptions": lambda w: w.sdk.stt.create_transcription(
        input_audio={"data": "AAAA", "format": "wav"}, model="nobody/nothing"
    ),
    "POST /presets/{slug}/chat/completions": lambda w: (
        w.sdk.presets.create_presets_chat_completions(
            slug="p404", messages=MSG, model="nobody/nothing"
        )
    ),
    "POST /presets/{slug}/messages": lambda w: w.sdk.presets.create_presets_messages(
        slug="p404", messages=MSG, model="nobody/nothing"
    ),
    "POST /presets/{slug}/responses": lambda w: w.sdk.presets.create_presets_responses(
        slug="p404", model="nobody/nothing"
    ),
}
# Declared 404s that no unknown id can provoke in a sandbox account (documented in README).
NOT_FOUND_EXEMPT = {
    "GET /organization/members": "404 only for a personal (non-organisation) account",
    "GET /models/user": "404 is declared but no input names an object",
}
NOT_FOUND = sorted(k for k, e in LAP.items() if 404 in e.errors and k not in NOT_FOUND_EXEMPT)


def test_every_declared_404_is_exercised_or_explained():
    declared = {k for k, e in LAP.items() if 404 in e.errors}
    assert declared == set(NOT_FOUND) | set(NOT_FOUND_EXEMPT)


@pytest.mark.parametrize("endpoint", NOT_FOUND)
def test_endpoint_answers_404_for_an_unknown_id(world, endpoint):
    call = NOT_FOUND_CALLS.get(endpoint, CALLS[endpoint])
    expect_status(call, Variant(world, **UNKNOWN_IDS), 404)


# --- 400: bad bodies and bad parameters -----------------------------------------------------

BAD_REQUEST_CALLS = {
    "GET /activity": lambda w: w.mgmt.analytics.get_user_activity(request={"date": "yesterday"}),
    "POST /analytics/query": lambda w: w.mgmt.analytics.query_analytics(metrics=[]),
    "POST /audio/speech": lambda w: w.sdk.tts.create_speech(
        input="", model="openai/gpt-4o-mini-tts", voice="alloy"
    ),
    "POST /audio/transcriptions": lambda w: w.sdk.stt.create_transcription(
        input_audio={"data": "not base64!", "format": "wav"}, model="openai/whisper-1"
    ),
    "POST /auth/keys": lambda w: raw(w.sdk_with(None), "POST", "/auth/keys", json={}),
    "POST /auth/keys/code": lambda w: w.sdk.o_auth.create_auth_code(callback_url="ftp://x"),
    "GET /benchmarks": lambda w: w.sdk.benchmarks.get_benchmarks(max_results=0),
    "GET /byok": lambda w: w.mgmt.byok.list(limit=0),
    "POST /byok": lambda w: w.mgmt.byok.create(provider="openai", key=""),
    "PATCH /byok/{id}": lambda w: w.mgmt.byok.update(id=w.byok_id, allowed_api_key_hashes=[]),
    "POST /chat/completions": lambda w: w.sdk.chat.send(messages=[], model="openai/gpt-4o-mini"),
    # the SDK checks ``window`` itself, so the bad value goes through its HTTP client
    "GET /classifications/task": lambda w: raw(w.sdk, "GET", "/classifications/task?window=5y"),
    "GET /datasets/app-rankings": lambda w: w.sdk.datasets.get_app_rankings(start_date="soon"),
    "GET /datasets/rankings-daily": lambda w: w.sdk.datasets.get_rankings_daily(
        start_date="2026-02-01", end_date="2026-01-01"
    ),
    "POST /embeddings": lambda w: w.sdk.embeddings.generate(
        input=[], model="openai/text-embedding-3-small"
    ),
    "GET /embeddings/models": lambda w: w.sdk.embeddings.list_models(limit=0),
    "GET /files": lambda w: w.sdk.files.list(cursor="%%%"),
    "POST /files": lambda w: w.sdk.files.upload(file={"file_name": "empty.txt", "content": b""}),
    "GET /files/{file_id}/content": lambda w: w.sdk.files.download(file_id=w.file_id),
    "GET /guardrails": lambda w: w.mgmt.guardrails.list(limit=0),
    "POST /guardrails": lambda w: w.mgmt.guardrails.create(name="budget", limit_usd=5.0),
    "PATCH /guardrails/{id}": lambda w: w.mgmt.guardrails.update(
        id=w.guardrail_id, reset_interval="daily"
    ),
    "POST /guardrails/{id}/assignments/keys": lambda w: w.mgmt.guardrails.bulk_assign_keys(
        id=w.guardrail_id, key_hashes=[]
    ),
    "POST /guardrails/{id}/assignments/keys/remove": lambda w: w.mgmt.guardrails.bulk_unassign_keys(
        id=w.guardrail_id, key_hashes=[]
    ),
    "POST /guardrails/{id}/assignments/members": lambda w: w.mgmt.guardrails.bulk_assign_members(
        id=w.guardrail_id, member_user_ids=[]
    ),
    "POST /guardrails/{id}/assignments/members/remove": lambda w: (
        w.mgmt.guardrails.bulk_unassign_members(id=w.guardrail_id, member_user_ids=[])
    ),
    "POST /images": lambda w: w.sdk.images.generate(
        model="black-forest-labs/flux-schnell", prompt=""
    ),
    "GET /keys": lambda w: w.mgmt.api_keys.list(offset=-1),
    "POST /keys": lambda w: w.mgmt.api_keys.create(name=""),
    "PATCH /keys/{hash}": lambda w: raw(w.mgmt, "PATCH", f"/keys/{w.key_hash}", json={}),
    "POST /messages": lambda w: raw(
        w.sdk, "POST", "/messages", json={"model": "anthropic/claude-haiku-4.5", "messages": []}
    ),
    "GET /models": lambda w: w.sdk.models.list(sort="alphabetical"),
    "GET /models/count": lambda w: raw(w.sdk, "GET", "/models/count?context=wide"),
    "GET /observability/destinations": lambda w: w.mgmt.observability.list(limit=0),
    "POST /observability/destinations": lambda w: w.mgmt.observability.create(
        type_="webhook", name="no url", config={}
    ),
    "PATCH /observability/destinations/{id}": lambda w: w.mgmt.observability.update(
        id=w.destination_id, sampling_rate=5.0
    ),
    "GET /presets": lambda w: w.sdk.presets.list(limit=0),
    "GET /presets/{slug}": lambda w: w.sdk.presets.get(slug="Not A Slug!"),
    "POST /presets/{slug}/chat/completions": lambda w: (
        w.sdk.presets.create_presets_chat_completions(slug="bad-preset", messages=[], temperature=9)
    ),
    "POST /presets/{slug}/messages": lambda w: w.sdk.presets.create_presets_messages(
        slug="bad-preset", messages=MSG, model="anthropic/claude-haiku-4.5", temperature=9
    ),
    "POST /presets/{slug}/responses": lambda w: w.sdk.presets.create_presets_responses(
        slug="bad-preset", temperature=9
    ),
    "GET /presets/{slug}/versions": lambda w: w.sdk.presets.list_versions(
        slug=w.preset_slug, limit=0
    ),
    "GET /presets/{slug}/versions/{version}": lambda w: w.sdk.presets.get_version(
        slug=w.preset_slug, version="first"
    ),
    "POST /rerank": lambda w: w.sdk.rerank.rerank(
        documents=[], model="cohere/rerank-v3.5", query="anything"
    ),
    "POST /responses": lambda w: raw(
        w.sdk, "POST", "/responses", json={"model": "openai/gpt-4.1-mini", "input": 5}
    ),
    "POST /videos": lambda w: w.sdk.video_generation.generate(
        model="google/veo-3.1", prompt="waves", duration=99
    ),
    "GET /videos/{jobId}/content": lambda w: w.sdk.video_generation.get_video_content(
        job_id=w.video_id, index=3
    ),
    "POST /workspaces": lambda w: w.mgmt.workspaces.create(name="Bad", slug="Not A Slug"),
    "DELETE /workspaces/{id}": lambda w: raw(w.mgmt, "DELETE", f"/workspaces/{w.workspace.id}"),
    "PATCH /workspaces/{id}": lambda w: w.mgmt.workspaces.update(
        id=w.workspace_id, io_logging_sampling_rate=7.0
    ),
    "DELETE /workspaces/{id}/budgets/{interval}": lambda w: w.mgmt.workspaces.delete_budget(
        workspace_ref=w.workspace_id, interval="hourly"
    ),
    "PUT /workspaces/{id}/budgets/{interval}": lambda w: w.mgmt.workspaces.set_budget(
        workspace_ref=w.workspace_id, interval="monthly", limit_usd=-1.0
    ),
    "POST /workspaces/{id}/members/add": lambda w: w.mgmt.workspaces.bulk_add_members(
        id=w.workspace_id, user_ids=[]
    ),
    "POST /workspaces/{id}/members/remove": lambda w: w.mgmt.workspaces.bulk_remove_members(
        id=w.workspace_id, user_ids=[]
    ),
}
# Declared 400s that no input can provoke (documented in README).
BAD_REQUEST_EXEMPT = {"GET /videos/models": "takes no parameters (none in the OpenAPI file either)"}
BAD_REQUEST = sorted(k for k, e in LAP.items() if 400 in e.errors and k not in BAD_REQUEST_EXEMPT)


def test_every_declared_400_has_a_bad_request_case():
    # The lap's declarations, plus a few the OpenAPI file adds (GET /keys, list limits, ...).
    assert set(BAD_REQUEST) <= set(BAD_REQUEST_CALLS)


@pytest.mark.parametrize("endpoint", sorted(BAD_REQUEST_CALLS))
def test_endpoint_answers_400_for_a_bad_request(world, endpoint):
    expect_status(BAD_REQUEST_CALLS[endpoint], world, 400)


# --- 402: the account's balance is used up --------------------------------------------------

PAYMENT_EXEMPT = {"GET /generation": "402 is declared but reading a generation costs nothing"}
PAYMENT = sorted(k for k, e in LAP.items() if 402 in e.errors and k not in PAYMENT_EXEMPT)


@pytest.mark.parametrize("endpoint", [*PAYMENT, "POST /messages"])
def test_inference_endpoint_answers_402_when_credit_is_exhausted(world, endpoint):
    world.account.total_credits = 0  # the seeded usage already exceeds it
    world.account.save(update_fields=["total_credits"])
    expect_status(CALLS[endpoint], world, 402)

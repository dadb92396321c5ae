"""Presets: create from an inference body, versioning, system prompt, listing; SDK parsing."""

from __future__ import annotations

import pytest

from tests.sandbox.management_support import Api, inference_key, sdk

pytestmark = pytest.mark.django_db
MSGS = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "hi"}]


@pytest.fixture
def api(sandbox_account) -> Api:
    """Presets are declared with the ordinary API-key scheme."""
    _hash, secret = inference_key(Api(sandbox_account[1]))
    return Api(secret)


def _chat(api: Api, slug="helpdesk-bot", **body):
    response = api.post(
        f"/presets/{slug}/chat/completions", {"messages": MSGS, "model": "openai/gpt-4.1", **body}
    )
    assert response.status_code == 200, response.content
    return response.json()["data"]


def test_first_post_creates_the_preset_with_version_one(api):
    data = _chat(api, temperature=0.3, stream=True, user="u1", provider={"sort": "price"})
    assert data["slug"] == "helpdesk-bot" and data["name"] == "helpdesk-bot"
    assert data["status"] == "active" and data["description"] is None
    version = data["designated_version"]
    assert version["version"] == 1
    assert data["designated_version_id"] == version["id"]
    assert version["preset_id"] == data["id"]
    assert version["system_prompt"] == "You are terse."
    # only configuration persists: no messages, stream or user
    assert version["config"] == {
        "model": "openai/gpt-4.1",
        "temperature": 0.3,
        "provider": {"sort": "price"},
    }


def test_second_post_creates_and_designates_a_new_version(api):
    first = _chat(api)
    second = _chat(api, temperature=1.0)
    assert second["id"] == first["id"]
    assert second["designated_version"]["version"] == 2
    versions = api.get("/presets/helpdesk-bot/versions").json()
    assert versions["total_count"] == 2
    assert [v["version"] for v in versions["data"]] == [1, 2]
    one = api.get("/presets/helpdesk-bot/versions/1").json()["data"]
    assert "temperature" not in one["config"]
    assert api.get("/presets/helpdesk-bot").json()["data"]["designated_version"]["version"] == 2


def test_messages_and_responses_extract_their_system_prompt(api):
    messages = api.post(
        "/presets/claude-helper/messages",
        {
            "model": "anthropic/claude-sonnet-4.5",
            "messages": [{"role": "user", "content": "x"}],
            "system": [{"type": "text", "text": "Be kind."}],
            "max_tokens": 100,
        },
    )
    assert messages.status_code == 200, messages.content
    version = messages.json()["data"]["designated_version"]
    assert version["system_prompt"] == "Be kind."
    assert version["config"] == {"model": "anthropic/claude-sonnet-4.5", "max_tokens": 100}
    responses = api.post(
        "/presets/resp/responses",
        {"instructions": "Short.", "input": "hi", "model": "openai/gpt-4.1"},
    )
    assert responses.json()["data"]["designated_version"]["system_prompt"] == "Short."


def test_list_is_most_recently_updated_first_with_total_count(api):
    seeded = api.get("/presets").json()["total_count"]
    _chat(api, slug="alpha")
    _chat(api, slug="beta")
    _chat(api, slug="alpha")
    page = api.get("/presets", limit=1).json()
    assert page["total_count"] == seeded + 2
    assert [p["slug"] for p in page["data"]] == ["alpha"]
    assert "designated_version" not in page["data"][0]


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/presets/Bad Slug/chat/completions", {"messages": MSGS}, 400),
        ("/presets/x/chat/completions", {"model": "openai/gpt-4.1"}, 400),
        ("/presets/x/chat/completions", {"messages": MSGS, "temperature": 9}, 400),
        ("/presets/x/messages", {"messages": MSGS}, 400),
        ("/presets/x/chat/completions", {"messages": MSGS, "model": "nobody/nothing"}, 404),
    ],
)
def test_create_errors(api, path, body, status):
    assert api.post(path, body).status_code == status


def test_unknown_preset_version_and_bad_version(api):
    _chat(api)
    assert api.get("/presets/nope").status_code == 404
    assert api.get("/presets/helpdesk-bot/versions/9").status_code == 404
    assert api.get("/presets/helpdesk-bot/versions/first").status_code == 400
    assert api.get("/presets/nope/versions").status_code == 404


def test_presets_are_per_account(api, other_sandbox_account):
    _chat(api)
    assert Api(other_sandbox_account[1]).get("/presets/helpdesk-bot").status_code == 404


def test_sdk_parses_every_preset_endpoint(api, sandbox_account):
    secret = api.client.defaults["HTTP_AUTHORIZATION"].split()[1]
    client = sdk(secret)
    created = client.presets.create_presets_chat_completions(
        slug="sdk-preset", messages=MSGS, model="openai/gpt-4.1", temperature=0.2
    )
    assert created.data.designated_version.version == 1
    client.presets.create_presets_messages(
        slug="sdk-preset",
        messages=[{"role": "user", "content": "x"}],
        model="anthropic/claude-sonnet-4.5",
    )
    client.presets.create_presets_responses(
        slug="sdk-preset", model="openai/gpt-4.1", instructions="Be brief."
    )
    assert client.presets.get(slug="sdk-preset").data.designated_version.version == 3
    assert "sdk-preset" in {p.slug for p in client.presets.list(limit=100).result.data}
    assert client.presets.list_versions(slug="sdk-preset").result.total_count == 3
    assert client.presets.get_version(slug="sdk-preset", version="2").data.version == 2

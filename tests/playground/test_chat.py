"""The chat playground: streamed in three API shapes with the person's own key."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse

from apps.inference.services import console_credentials, console_key_for
from apps.playground import services
from apps.playground.models import PlaygroundRun
from apps.sandbox.models import Generation
from tests.playground.conftest import ndjson

pytestmark = pytest.mark.django_db
STREAM = {"HTTP_X_CONSOLE_STREAM": "ndjson"}
URL = reverse("playground:chat")
MODELS = {
    "chat": "openai/gpt-4o-mini",
    "messages": "anthropic/claude-haiku-4.5",
    "responses": "openai/gpt-4o-mini",
}


def _data(shape: str = "chat", **extra) -> dict:
    return {"model": MODELS[shape], "shape": shape, "prompt": "Where is my order?", **extra}


@pytest.mark.parametrize("role", ["owner", "admin", "member"])
def test_builders_open_the_chat_page_without_upstream_calls(
    request, client_for, catalog, upstream_calls, role
):
    client = client_for(request.getfixturevalue(role))
    upstream_calls.clear()
    response = client.get(URL)
    assert response.status_code == 200 and upstream_calls == []
    body = response.content.decode()
    assert "Anthropic Messages" in body and "OpenAI Responses" in body and "data-stream" in body


def test_finance_may_not_use_the_playground(client_for, finance, catalog):
    client = client_for(finance)
    assert client.get(URL).status_code == 403
    assert client.post(URL, _data(), **STREAM).status_code == 403


def test_outsider_runs_nothing_on_this_organisations_keys(client_for, outsider, organisation):
    client_for(outsider).get(URL)
    assert not PlaygroundRun.objects.filter(organisation=organisation).exists()


@pytest.mark.parametrize("shape", ["chat", "messages", "responses"])
def test_each_shape_streams_pieces_then_the_stats(client_for, member, organisation, catalog, shape):
    response = client_for(member).post(URL, _data(shape), **STREAM)
    assert response["Content-Type"] == "application/x-ndjson"
    lines = ndjson(response)
    texts = [line["text"] for line in lines if "text" in line]
    assert len(texts) > 1 and lines[-1]["done"]
    stats = unescape(lines[-1]["html"])
    assert "flash-error" not in stats
    run = PlaygroundRun.objects.get(organisation=organisation, user=member)
    assert run.modality == "chat" and run.generation_id.startswith("gen-")
    assert run.generation_id in stats and " in · " in stats
    assert f"?id={run.generation_id}" in stats  # linked to the generation look-up
    # It ran on the member's own console key, never the management key.
    mine = console_key_for(services.Actor(organisation=organisation, user=member), member)
    assert Generation.objects.get(id=run.generation_id).key_hash == mine.key_hash
    if shape != "messages":  # Anthropic's usage carries no cost: the generation page has it
        assert run.cost is not None and "$" in stats


def test_without_javascript_the_page_shows_the_whole_answer(client_for, member, catalog):
    response = client_for(member).post(URL, _data("responses"))
    body = unescape(response.content.decode())
    assert response.status_code == 200 and 'data-testid="play-stats"' in body and "gen-" in body


def test_an_empty_message_is_refused_in_place_keeping_what_was_typed(client_for, member, catalog):
    response = client_for(member).post(URL, _data(prompt="", max_tokens="7"), **STREAM)
    body = unescape(response.content.decode())
    assert response.status_code == 422 and "Type a message" in body and "<html" not in body
    assert 'value="7"' in body and MODELS["chat"] in body


def test_a_model_outside_the_catalog_is_refused(client_for, member, catalog):
    response = client_for(member).post(URL, _data(model="nobody/nothing"), **STREAM)
    assert response.status_code == 422 and "not in the model catalog" in response.content.decode()


def test_another_members_key_is_refused_and_the_run_uses_their_own(
    client_for, member, admin, organisation, catalog, actor_for
):
    theirs = console_key_for(actor_for(admin), admin)
    client = client_for(member)
    pasted = client.post(
        reverse("inference:session_set"), {"secret": console_credentials(theirs).api_key}
    )
    assert pasted.status_code == 422 and "only use your own keys" in pasted.content.decode()
    ndjson(client.post(URL, _data(use_session_key="on"), **STREAM))
    run = PlaygroundRun.objects.get(user=member)
    assert Generation.objects.get(id=run.generation_id).key_hash != theirs.key_hash


@pytest.mark.parametrize(("fault", "message"), [("402", "credit"), ("503", "unavailable")])
def test_an_upstream_refusal_is_explained_in_the_stats(
    client_for, member, catalog, upstream_fault, actor_for, fault, message
):
    console_key_for(actor_for(member), member)  # the key exists before the fault
    upstream_fault(fault)
    lines = ndjson(client_for(member).post(URL, _data("messages"), **STREAM))
    assert lines[-1]["done"] and "flash-error" in lines[-1]["html"]
    assert message in unescape(lines[-1]["html"])
    assert not PlaygroundRun.objects.filter(user=member).exists()


def test_a_stream_cut_midway_keeps_the_text_and_says_so(
    client_for, member, catalog, upstream_fault, actor_for
):
    console_key_for(actor_for(member), member)
    upstream_fault("stream_cut=6")
    lines = ndjson(client_for(member).post(URL, _data("responses"), **STREAM))
    assert any("text" in line for line in lines)
    assert "cut off" in lines[-1]["html"]

"""Preset pages: list, detail with every version, create, new version, the playground."""

from __future__ import annotations

import json
from html import unescape

import pytest
from django.urls import reverse

from apps.audit.context import Actor
from apps.inference.services import console_key_for
from apps.presets.models import Preset

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
STREAM = {"HTTP_X_CONSOLE_STREAM": "ndjson"}
LIST = reverse("presets:list")
CREATE = reverse("presets:create")
UPSTREAM_FAULTS = [
    ("400", "rejected the request as invalid"),
    ("403", "not allowed"),
    ("429", "rate-limiting"),
    ("503", "unavailable"),
]


def _text(response) -> str:
    return unescape(response.content.decode())


def _url(name: str, slug: str = "support-bot") -> str:
    return reverse(f"presets:{name}", args=[slug])


@pytest.mark.parametrize("role", ["owner", "admin", "finance", "member"])
def test_every_role_reads_the_list_and_detail_without_upstream_calls(
    request, client_for, presets, upstream_calls, role
):
    client = client_for(request.getfixturevalue(role))
    upstream_calls.clear()
    body = _text(client.get(LIST))
    detail = _text(client.get(_url("detail")))
    assert upstream_calls == []
    assert "support-bot" in body and "sql-helper" in body
    assert "Version 1" in detail and "Version 2 (designated)" in detail
    assert "You are a support agent." in detail and "You are a concise support agent." in detail
    assert '<code>{"sort": "price"}</code>' in detail  # config values as upstream's JSON
    manages = role in ("owner", "admin")
    assert ("New preset" in body) is manages and ("Save a new version" in detail) is manages
    assert ("Playground" in detail) is (role != "finance")


def test_list_search_answers_the_results_partial(client_for, admin, presets):
    response = client_for(admin).get(LIST, {"q": "sql"}, **HTMX)
    body = response.content.decode()
    assert 'id="presets-results"' in body and "<html" not in body
    assert "sql-helper" in body and "support-bot" not in body


def test_outsider_gets_404(client_for, outsider, presets):
    assert "support-bot" not in client_for(outsider).get(LIST).content.decode()
    assert client_for(outsider).get(_url("detail")).status_code == 404


@pytest.mark.parametrize("role", ["finance", "member"])
def test_readers_cannot_create_or_save_versions(request, client_for, presets, role):
    client = client_for(request.getfixturevalue(role))
    assert client.get(CREATE).status_code == 403
    assert client.post(_url("edit"), {"model": "openai/gpt-4.1"}).status_code == 403


def test_finance_cannot_run_the_playground(client_for, finance, presets):
    assert client_for(finance).post(_url("play"), {"prompt": "hi"}).status_code == 403


def test_admin_creates_a_preset_with_a_catalog_model(client_for, admin, catalog, presets):
    data = {
        "slug": "triage",
        "model": "openai/gpt-4.1",
        "system_prompt": "Sort tickets.",
        "temperature": "0.2",
    }
    response = client_for(admin).post(CREATE, data, **HTMX)
    assert response.headers["HX-Redirect"] == _url("detail", "triage")
    preset = Preset.objects.get(slug="triage")
    assert preset.designated.config == {"model": "openai/gpt-4.1", "temperature": 0.2}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"slug": "Not A Slug"}, "lowercase letters and digits"),
        ({"slug": "support-bot"}, "A preset with this slug exists"),
        ({"model": "acme/nothing"}, "is not in the model catalog"),
        ({"model": ""}, "This field is required."),
        ({"temperature": "3"}, "less than or equal to 2"),
        ({"max_tokens": "0"}, "greater than or equal to 1"),
    ],
)
def test_bad_input_is_refused_in_place_keeping_what_was_typed(
    client_for, admin, catalog, presets, overrides, message
):
    data = {"slug": "fresh-one", "model": "openai/gpt-4.1", "system_prompt": "Kept prompt"}
    response = client_for(admin).post(CREATE, data | overrides, **HTMX)
    body = _text(response)
    assert response.status_code == 422 and message in body and "Kept prompt" in body


@pytest.mark.parametrize(("fault", "message"), UPSTREAM_FAULTS)
def test_upstream_errors_show_in_the_form_and_nothing_is_saved(
    client_for, admin, organisation, catalog, presets, upstream_fault, fault, message
):
    client = client_for(admin)
    console_key_for(Actor(organisation=organisation, user=admin), admin)  # made before the fault
    upstream_fault(fault)
    data = {"model": "openai/gpt-4.1", "system_prompt": "Kept prompt"}
    response = client.post(_url("edit"), data, **HTMX)
    assert response.status_code == 422 and message in _text(response).lower()
    assert Preset.objects.get(slug="support-bot").versions.count() == 2


def test_edit_starts_from_the_designated_version_and_saves_a_new_one(
    client_for, admin, catalog, support_bot
):
    client = client_for(admin)
    page = _text(client.get(_url("edit")))
    assert "You are a concise support agent." in page and 'value="0.3"' in page
    data = {"model": "anthropic/claude-sonnet-4.5", "system_prompt": "Shorter.", "temperature": ""}
    response = client.post(_url("edit"), data, **HTMX)
    assert response.headers["HX-Redirect"] == _url("detail")
    latest = Preset.objects.get(pk=support_bot.pk).designated
    assert latest.version == 3 and latest.system_prompt == "Shorter."
    assert "temperature" not in latest.config and latest.config["provider"] == {"sort": "price"}


def _lines(response) -> list[dict]:
    raw = b"".join(response.streaming_content).decode()
    return [json.loads(line) for line in raw.splitlines() if line.strip()]


def test_the_playground_streams_pieces_then_the_stats(client_for, member, presets):
    response = client_for(member).post(_url("play"), {"prompt": "Where is my order?"}, **STREAM)
    assert response["Content-Type"] == "application/x-ndjson"
    lines = _lines(response)
    texts = [line["text"] for line in lines if "text" in line]
    assert len(texts) > 1 and lines[-1]["done"]
    stats = lines[-1]["html"]
    assert "gen-" in stats and " in · " in stats and "$" in stats


def test_the_playground_without_javascript_shows_the_whole_answer(client_for, member, presets):
    response = client_for(member).post(_url("play"), {"prompt": "Hello"})
    body = _text(response)
    assert response.status_code == 200 and 'data-testid="play-stats"' in body and "gen-" in body


def test_an_empty_message_is_refused_in_place(client_for, member, presets):
    response = client_for(member).post(_url("play"), {"prompt": ""}, **STREAM)
    body = _text(response)
    assert response.status_code == 422 and "Type a message" in body and "<html" not in body


def test_a_run_without_credit_says_so_and_keeps_the_page(
    client_for, member, presets, upstream_fault
):
    client = client_for(member)
    _lines(client.post(_url("play"), {"prompt": "warm up"}, **STREAM))  # the member's key exists
    upstream_fault("402")
    lines = _lines(client.post(_url("play"), {"prompt": "hi"}, **STREAM))
    assert lines[-1]["done"] and "flash-error" in lines[-1]["html"]


def test_compare_shows_settings_side_by_side_and_the_prompt_as_a_diff(
    client_for, finance, presets, upstream_calls
):
    client = client_for(finance)
    upstream_calls.clear()
    body = _text(client.get(_url("compare", "sql-helper")))
    assert upstream_calls == []
    assert "v2 → v3: 3 settings changed" in body  # model, max_tokens, reasoning
    assert "openai/gpt-4.1-mini" in body and '{"effort": "low"}' in body
    assert "system prompt changed" not in body  # v2 and v3 share the prompt
    response = client.get(_url("compare", "sql-helper"), {"a": "1", "b": "3"}, **HTMX)
    part = _text(response)
    assert 'id="compare-results"' in part and "<html" not in part
    assert 'class="diff-removed">- Answer with one PostgreSQL query.' in part
    assert 'class="diff-added">+ Answer with one PostgreSQL query and no prose.' in part


def test_compare_ignores_versions_that_do_not_exist(client_for, member, presets):
    body = _text(client_for(member).get(_url("compare"), {"a": "99", "b": "x"}))
    assert "v1 → v2" in body

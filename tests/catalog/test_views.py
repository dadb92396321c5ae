"""The catalog pages: list with filters and keyset pages, model page, compare, estimate."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from apps.catalog.models import CatalogModel
from apps.sandbox.catalog import MODELS

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
LIST = reverse("catalog:list")


def _ids(response) -> list[str]:
    """The models listed, from the compare boxes of the rows (partials carry no context)."""
    return re.findall(r'name="m" value="([^"]+)" form="compare-form"', response.content.decode())


# --- list -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "admin", "finance", "member"])
def test_every_role_reads_the_catalog(request, client_for, catalog, role):
    response = client_for(request.getfixturevalue(role)).get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert "OpenAI: GPT-4.1" in body and "Synced" in body and "Refresh now" in body


def test_the_list_pages_through_every_model_once(client_for, member, catalog, monkeypatch):
    monkeypatch.setattr("apps.catalog.selectors.PAGE_SIZE", 7)
    client = client_for(member)
    for sort in ("name", "context", "input_price", "output_price", "newest"):
        seen, after = [], ""
        for _ in range(20):
            response = client.get(LIST, {"sort": sort} | ({"after": after} if after else {}))
            seen += _ids(response)
            after = response.context["next_cursor"]
            if not after:
                break
        assert sorted(seen) == sorted(m.id for m in MODELS), sort


def test_load_more_answers_only_rows(client_for, member, catalog, monkeypatch):
    monkeypatch.setattr("apps.catalog.selectors.PAGE_SIZE", 5)
    cursor = client_for(member).get(LIST).context["next_cursor"]
    response = client_for(member).get(LIST, {"after": cursor}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="catalog-results"' not in body
    assert body.count('<tr id="model-') == 5


def test_search_as_you_type_answers_the_results_partial(client_for, member, catalog):
    response = client_for(member).get(LIST, {"q": "claude"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and 'id="catalog-results"' in body
    assert _ids(response) and all("claude" in i for i in _ids(response))


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"modality": "embeddings"}, lambda m: "embeddings" in m.output_list),
        ({"modality": "image"}, lambda m: "image" in m.output_list),
        ({"modality": "video"}, lambda m: m.kind == "video"),
        ({"modality": "speech"}, lambda m: m.kind == "speech"),
        ({"modality": "transcription"}, lambda m: m.kind == "transcription"),
        ({"modality": "rerank"}, lambda m: m.kind == "rerank"),
        ({"context": "1000000"}, lambda m: m.context_length >= 1_000_000),
        ({"max_input": "1"}, lambda m: m.prompt_price * 1_000_000 <= 1),
        ({"max_output": "2"}, lambda m: m.completion_price * 1_000_000 <= 2),
        ({"provider": "azure"}, lambda m: "azure" in m.provider_list),
        ({"zdr": "on"}, lambda m: m.zdr),
        ({"parameter": "reasoning"}, lambda m: "reasoning" in m.parameter_list),
    ],
)
def test_each_filter_narrows_the_rows(client_for, member, catalog, organisation, params, check):
    response = client_for(member).get(LIST, params, **HTMX)
    assert response.status_code == 200
    ids = set(_ids(response))
    expected = (
        {
            m.model_id
            for m in CatalogModel.objects.filter(organisation=organisation)
            if m.context_length is not None and check(m)
        }
        if "context" in params
        else {
            m.model_id
            for m in CatalogModel.objects.filter(organisation=organisation)
            if (m.prompt_price is not None and m.completion_price is not None) and check(m)
        }
    )
    assert ids == expected and 0 < len(ids) < len(MODELS)


def test_a_bad_price_filter_is_refused_in_place(client_for, member, catalog):
    response = client_for(member).get(LIST, {"max_input": "cheap"}, **HTMX)
    assert response.status_code == 422
    body = response.content.decode()
    assert "Enter a price in US dollars" in body and len(_ids(response)) > 0


def test_gone_models_are_hidden_unless_asked_for(client_for, member, catalog, organisation):
    CatalogModel.objects.filter(organisation=organisation, model_id="openai/gpt-4.1").update(
        gone_at="2026-01-01T00:00:00Z"
    )
    assert "openai/gpt-4.1" not in _ids(client_for(member).get(LIST))
    response = client_for(member).get(LIST, {"gone": "on", "q": "gpt-4.1"})
    assert "openai/gpt-4.1" in _ids(response)
    assert "no longer exists upstream" in response.content.decode()


def test_before_the_first_sync_the_page_says_so(client_for, member):
    body = client_for(member).get(LIST).content.decode()
    assert "The catalog is not synced yet." in body


def test_outsider_sees_only_their_own_catalog(client_for, outsider, catalog):
    response = client_for(outsider).get(LIST)
    assert response.status_code == 200 and _ids(response) == []


def test_refresh_now_queues_the_catalog_stream_for_any_role(client_for, member, catalog):
    response = client_for(member).post(reverse("syncs:now", args=["catalog"]), **HTMX)
    assert response.status_code == 200 and "Sync queued" in response.content.decode()


# --- model page --------------------------------------------------------------------------------


def _model_url(model_id: str, **params) -> str:
    author, slug = model_id.split("/")
    return reverse("catalog:model", args=[author, slug])


def test_model_page_shows_endpoints_per_provider(client_for, finance, catalog):
    response = client_for(finance).get(_model_url("anthropic/claude-sonnet-4.5"))
    assert response.status_code == 200
    body = response.content.decode()
    for text in ("Amazon Bedrock", "Anthropic", "$3.00", "$15.00", "99.8 %", "420 ms", "ZDR"):
        assert text in body
    assert "1,000 requests of 2,000 in / 500 out" in body


def test_model_page_of_a_gone_model_says_so(client_for, member, catalog, organisation):
    CatalogModel.objects.filter(organisation=organisation, model_id="openai/gpt-4.1").update(
        gone_at="2026-01-01T00:00:00Z"
    )
    body = client_for(member).get(_model_url("openai/gpt-4.1")).content.decode()
    assert "This model no longer exists upstream." in body


def test_unknown_model_is_a_404(client_for, member, catalog):
    assert client_for(member).get(_model_url("nobody/nothing")).status_code == 404


def test_outsider_gets_404_for_a_model_of_another_organisation(client_for, outsider, catalog):
    assert client_for(outsider).get(_model_url("openai/gpt-4.1")).status_code == 404


def test_cost_estimate_updates_in_place(client_for, member, catalog):
    url = _model_url("openai/gpt-4.1")
    response = client_for(member).get(
        url, {"requests": "1000", "input_tokens": "2000", "output_tokens": "500"}, **HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'id="estimate"' in body and "<html" not in body
    # 1000 * (2000 * $2/M + 500 * $8/M) = 1000 * $0.008 = $8.00
    assert "≈ $8.00" in body


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"requests": "0", "input_tokens": "1", "output_tokens": "1"}, "Estimate at least one"),
        (
            {"requests": "ten", "input_tokens": "1", "output_tokens": "1"},
            "whole number of requests",
        ),
        ({"requests": "1", "input_tokens": "-5", "output_tokens": "1"}, "cannot be negative"),
        ({"requests": "1", "input_tokens": "1", "output_tokens": ""}, "required"),
    ],
)
def test_bad_estimate_inputs_are_refused_in_place(client_for, member, catalog, params, message):
    response = client_for(member).get(_model_url("openai/gpt-4.1"), params, **HTMX)
    assert response.status_code == 422
    body = response.content.decode()
    assert message in body and 'id="estimate"' in body
    assert f'value="{params["requests"]}"' in body  # what was typed is kept


# --- compare -----------------------------------------------------------------------------------

COMPARE = reverse("catalog:compare")


def test_compare_two_models_side_by_side(client_for, member, catalog):
    response = client_for(member).get(
        COMPARE, {"m": ["openai/gpt-4.1", "anthropic/claude-sonnet-4.5"]}
    )
    assert response.status_code == 200
    assert [m.model_id for m in response.context["models"]] == [
        "openai/gpt-4.1",
        "anthropic/claude-sonnet-4.5",
    ]
    body = response.content.decode()
    assert "Input $ / 1M tokens" in body and "$2.00" in body and "$3.00" in body
    assert "Estimated cost" in body


def test_compare_partial_for_htmx(client_for, member, catalog):
    response = client_for(member).get(COMPARE, {"m": ["openai/gpt-4.1"]}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="comparison"' in body and "<html" not in body


def test_compare_refuses_more_than_four(client_for, member, catalog):
    picked = [m.id for m in MODELS[:5]]
    response = client_for(member).get(COMPARE, {"m": picked}, **HTMX)
    assert response.status_code == 422
    assert "at most 4" in response.content.decode()


def test_compare_refuses_an_unknown_model_on_its_field(client_for, member, catalog):
    response = client_for(member).get(COMPARE, {"m": ["openai/gpt-4.1", "acme/nothing"]}, **HTMX)
    assert response.status_code == 422
    assert "“acme/nothing” is not in the model catalog" in response.content.decode()


def test_compare_with_nothing_picked_invites_to_pick(client_for, member, catalog):
    body = client_for(member).get(COMPARE).content.decode()
    assert "Pick models to compare." in body


def test_outsider_cannot_compare_another_organisations_models(client_for, outsider, catalog):
    response = client_for(outsider).get(COMPARE, {"m": ["openai/gpt-4.1"]})
    assert response.status_code == 422  # their catalog has not synced: nothing to compare
    assert response.context["models"] == []
    assert "has not been synced yet" in response.content.decode()


# --- upstream failures: the pages read the mirror, the status line says what went wrong ----


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("400", "rejected the request as invalid"),
        ("401", "management key was rejected"),
        ("403", "not allowed"),
        ("404", "no such object"),
        ("429", "rate-limiting"),
        ("500", "unavailable"),
        ("503", "unavailable"),
    ],
)
def test_a_failed_catalog_sync_keeps_the_mirror_and_says_why(
    client_for, member, catalog, organisation, upstream_fault, monkeypatch, fault, message
):
    from apps.syncs.runner import sync_run

    monkeypatch.undo()  # real upstream calls, so the fault applies
    upstream_fault(fault)
    outcome = sync_run(organisation, "catalog")
    assert outcome.run.outcome == "error"
    response = client_for(member).get(LIST)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Last attempt failed" in body and message in body.lower()
    assert len(_ids(response)) == len(MODELS)  # still the last good mirror

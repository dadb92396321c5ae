"""Embeddings (dimensions and a cosine-similarity table) and rerank (ranked documents)."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse

from apps.inference.services import console_credentials, console_key_for
from apps.playground import services
from apps.playground.models import PlaygroundRun
from apps.sandbox.models import Generation

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
EMBED = reverse("playground:embeddings")
RERANK = reverse("playground:rerank")
EMBED_DATA = {
    "model": "openai/text-embedding-3-small",
    "inputs": "the cat sat\nthe cat sat\na bond yield curve",
}
RERANK_DATA = {
    "model": "cohere/rerank-multilingual-v3.0",
    "query": "cat food",
    "documents": "bond yields rose\nthe best cat food brands\ncat toys",
}


def _text(response) -> str:
    return unescape(response.content.decode())


# --- services -------------------------------------------------------------------------------


def test_embeddings_run_compares_every_pair(organisation, member, catalog, actor_for):
    result = services.embeddings_run(
        actor_for(member),
        model="openai/text-embedding-3-small",
        inputs=["a", "a", "zebra crossing"],
        dimensions=64,
    )
    table = result.data["similarity"]
    assert result.data["dimensions"] == 64 and len(table) == 3
    assert table[0][1] == pytest.approx(1.0) and table[0][0] == pytest.approx(1.0)
    assert table[0][2] < 0.99
    assert result.generation_id.startswith("gen-") and result.cost is not None
    run = PlaygroundRun.objects.get(user=member)
    assert run.modality == "embeddings" and run.generation_id == result.generation_id


def test_rerank_run_orders_documents_by_score(organisation, member, catalog, actor_for):
    docs = ["bond yields rose", "the best cat food brands", "cat toys"]
    result = services.rerank_run(
        actor_for(member), model="cohere/rerank-multilingual-v3.0", query="cat food", documents=docs
    )
    ranked = result.data["ranked"]
    assert ranked[0]["text"] == "the best cat food brands"
    scores = [row["score"] for row in ranked]
    assert scores == sorted(scores, reverse=True) and len(ranked) == 3
    assert result.units == 1 and result.cost is not None and result.generation_id


def test_cosine_of_orthogonal_and_empty_vectors():
    assert services.cosine([1, 0], [0, 1]) == 0
    assert services.cosine([0, 0], [1, 1]) == 0
    assert services.cosine([2, 0], [5, 0]) == pytest.approx(1.0)


# --- views ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [EMBED, RERANK])
@pytest.mark.parametrize("role", ["owner", "admin", "member"])
def test_builders_open_the_pages_without_upstream_calls(
    request, client_for, catalog, upstream_calls, role, url
):
    client = client_for(request.getfixturevalue(role))
    upstream_calls.clear()
    assert client.get(url).status_code == 200 and upstream_calls == []


@pytest.mark.parametrize(("url", "data"), [(EMBED, EMBED_DATA), (RERANK, RERANK_DATA)])
def test_finance_is_refused(client_for, finance, catalog, url, data):
    assert client_for(finance).get(url).status_code == 403
    assert client_for(finance).post(url, data).status_code == 403


def test_embeddings_page_shows_dimensions_and_the_table(
    client_for, member, organisation, catalog, actor_for
):
    response = client_for(member).post(EMBED, EMBED_DATA, **HTMX)
    body = _text(response)
    assert response.status_code == 200 and "<html" not in body
    assert "1536 dimensions" in body and 'data-testid="similarity"' in body
    assert "1.0000" in body and "a bond yield curve" in body
    run = PlaygroundRun.objects.get(user=member)
    assert f"?id={run.generation_id}" in body and "$" in body
    mine = console_key_for(actor_for(member), member)
    assert Generation.objects.get(id=run.generation_id).key_hash == mine.key_hash


def test_more_than_five_inputs_are_refused_in_place(client_for, member, catalog):
    data = {**EMBED_DATA, "inputs": "\n".join("abcdef")}
    response = client_for(member).post(EMBED, data, **HTMX)
    body = _text(response)
    assert response.status_code == 422 and "At most 5 inputs (you typed 6)" in body
    assert "a\nb\nc" in body  # what was typed is kept


def test_a_model_of_another_modality_is_refused(client_for, member, catalog):
    response = client_for(member).post(EMBED, {**EMBED_DATA, "model": "openai/gpt-4o-mini"}, **HTMX)
    assert response.status_code == 422


def test_rerank_page_lists_documents_in_ranked_order(client_for, member, catalog):
    response = client_for(member).post(RERANK, RERANK_DATA, **HTMX)
    body = _text(response)
    assert response.status_code == 200 and 'data-testid="ranked"' in body
    assert body.index("the best cat food brands") < body.index(
        "bond yields rose", body.index("ranked")
    )
    assert "search units" in body or "Units" in body


def test_rerank_empty_query_keeps_the_documents(client_for, member, catalog):
    response = client_for(member).post(RERANK, {**RERANK_DATA, "query": ""}, **HTMX)
    body = _text(response)
    assert response.status_code == 422 and "Type a query" in body and "cat toys" in body


def test_another_members_key_is_refused_for_rerank(client_for, member, admin, catalog, actor_for):
    theirs = console_key_for(actor_for(admin), admin)
    client = client_for(member)
    pasted = client.post(
        reverse("inference:session_set"), {"secret": console_credentials(theirs).api_key}
    )
    assert pasted.status_code == 422
    client.post(RERANK, {**RERANK_DATA, "use_session_key": "on"}, **HTMX)
    run = PlaygroundRun.objects.get(user=member)
    assert Generation.objects.get(id=run.generation_id).key_hash != theirs.key_hash


@pytest.mark.parametrize(("url", "data"), [(EMBED, EMBED_DATA), (RERANK, RERANK_DATA)])
@pytest.mark.parametrize(
    ("fault", "message"), [("402", "credit"), ("429", "rate-limiting"), ("503", "unavailable")]
)
def test_upstream_errors_show_in_the_form_and_nothing_is_kept(
    client_for, member, catalog, upstream_fault, actor_for, url, data, fault, message
):
    console_key_for(actor_for(member), member)
    upstream_fault(fault)
    response = client_for(member).post(url, data, **HTMX)
    body = _text(response)
    assert response.status_code == 422 and message in body
    assert data["model"] in body
    assert not PlaygroundRun.objects.filter(user=member).exists()


def test_recent_runs_list_only_the_persons_own(client_for, member, admin, catalog):
    client_for(admin).post(RERANK, RERANK_DATA, **HTMX)
    client_for(member).post(EMBED, EMBED_DATA, **HTMX)
    mine = PlaygroundRun.objects.get(user=member)
    theirs = PlaygroundRun.objects.get(user=admin)
    body = _text(client_for(member).get(RERANK))
    assert 'data-testid="recent-runs"' in body
    assert mine.generation_id in body and theirs.generation_id not in body


def test_without_htmx_the_whole_page_comes_back_with_the_result(client_for, member, catalog):
    response = client_for(member).post(RERANK, RERANK_DATA)
    body = _text(response)
    assert response.status_code == 200 and "<html" in body and 'data-testid="ranked"' in body

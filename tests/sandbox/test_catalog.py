"""The public catalog: size, filters, pagination, detail routes, media models, rankings."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.sandbox.catalog import MODELS, PROVIDERS
from apps.sandbox.keys_service import key_insert
from apps.sandbox.models import Workspace

pytestmark = pytest.mark.django_db

BASE = "/sandbox/api/v1"


def get(path, secret=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    return Client(**headers).get(f"{BASE}{path}", params)


def test_catalog_has_about_forty_models_from_about_ten_providers():
    assert len(MODELS) >= 40
    assert len({m.provider for m in MODELS}) >= 10
    assert all(m.provider in PROVIDERS for m in MODELS)


def test_models_are_public_and_priced_as_strings():
    body = get("/models").json()
    assert body["total_count"] == len(body["data"]) > 20
    gpt = next(m for m in body["data"] if m["id"] == "openai/gpt-4.1")
    assert gpt["pricing"]["prompt"] == "0.000002"
    assert gpt["pricing"]["completion"] == "0.000008"
    assert body["links"]["next"] is None


def test_models_default_to_text_output_and_all_lists_media_models():
    text = get("/models").json()["total_count"]
    everything = get("/models", output_modalities="all").json()["total_count"]
    assert everything == len(MODELS) > text
    assert get("/models/count").json()["data"]["count"] == text
    assert get("/models/count", output_modalities="embeddings").json()["data"]["count"] == 5


def test_models_filters_combine():
    ids = [
        m["id"] for m in get("/models", q="claude", supported_parameters="reasoning").json()["data"]
    ]
    assert ids and all("claude" in i for i in ids)
    cheap = get("/models", max_price="0.2").json()["data"]
    assert all(float(m["pricing"]["prompt"]) * 1e6 <= 0.2 for m in cheap)
    by_author = get("/models", model_authors="mistralai,x-ai").json()["data"]
    assert {m["id"].split("/")[0] for m in by_author} == {"mistralai", "x-ai"}
    coding = get("/models", category="programming", context="200000").json()["data"]
    assert coding and all(m["context_length"] >= 200000 for m in coding)
    on_groq = get("/models", providers="groq").json()["data"]
    assert {m["id"] for m in on_groq} == {
        "meta-llama/llama-4-maverick",
        "meta-llama/llama-3.1-8b-instruct",
    }


def test_models_sort_and_reject_unknown_sort():
    newest = get("/models", sort="newest").json()["data"]
    assert [m["created"] for m in newest] == sorted((m["created"] for m in newest), reverse=True)
    assert get("/models", sort="alphabetical").status_code == 400


def test_models_offset_limit_pages_with_next_link():
    first = get("/models", output_modalities="all", limit=10).json()
    assert len(first["data"]) == 10 and first["total_count"] == len(MODELS)
    assert "offset=10" in first["links"]["next"]
    last = get("/models", output_modalities="all", offset=40, limit=10).json()
    assert last["links"]["next"] is None
    assert len(last["data"]) == len(MODELS) - 40


def test_model_detail_and_endpoints_and_404():
    model = get("/model/anthropic/claude-sonnet-4.5").json()["data"]
    assert model["canonical_slug"] == "anthropic/claude-4.5-sonnet-20250929"
    endpoints = get("/models/anthropic/claude-sonnet-4.5/endpoints").json()["data"]
    assert endpoints["endpoints"][0]["provider_name"] == "Anthropic"
    assert get("/model/acme/nothing").status_code == 404


def test_models_user_needs_a_key(sandbox_account):
    assert get("/models/user").status_code == 401
    account, _ = sandbox_account
    _key, secret = key_insert(
        account, Workspace.objects.get(account=account, is_default=True), name="u"
    )
    assert get("/models/user", secret).json()["total_count"] > 0


def test_providers_zdr_and_media_model_lists():
    assert {p["slug"] for p in get("/providers").json()["data"]} == set(PROVIDERS)
    zdr = get("/endpoints/zdr").json()["data"]
    assert zdr and {e["tag"] for e in zdr} <= {s for s, p in PROVIDERS.items() if p.zdr}
    assert len(get("/embeddings/models").json()["data"]) == 5
    images = get("/images/models").json()["data"]
    assert "black-forest-labs/flux-1.1-pro" in {m["id"] for m in images}
    assert get("/images/models/black-forest-labs/flux-1.1-pro/endpoints").json()["endpoints"]
    assert get("/images/models/openai/gpt-4.1/endpoints").status_code == 404
    assert {m["id"] for m in get("/videos/models").json()["data"]} == {
        "google/veo-3.1",
        "openai/sora-2",
        "minimax/hailuo-02",
    }


def test_rankings_and_benchmarks_need_a_key_and_validate_dates(sandbox_account):
    assert get("/benchmarks").status_code == 401
    account, _ = sandbox_account
    _key, secret = key_insert(
        account, Workspace.objects.get(account=account, is_default=True), name="r"
    )
    daily = get("/datasets/rankings-daily", secret, start_date="2026-01-01", end_date="2026-01-02")
    assert {row["date"] for row in daily.json()["data"]} == {"2026-01-01", "2026-01-02"}
    assert (
        get(
            "/datasets/rankings-daily", secret, start_date="2026-01-01", end_date="2026-12-31"
        ).status_code
        == 400
    )
    assert (
        get("/benchmarks", secret, source="design-arena").json()["meta"]["source"] == "design-arena"
    )
    assert get("/classifications/task", secret).json()["data"]["window_days"] == 7


def test_unknown_api_path_is_a_json_404():
    response = Client().get(f"{BASE}/no/such/route")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == 404

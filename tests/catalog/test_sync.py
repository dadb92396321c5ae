"""The catalog stream: every modality, endpoints per provider, ZDR, gone models kept."""

from __future__ import annotations

import pytest

from apps.catalog.models import CatalogEndpoint, CatalogModel, CatalogProvider
from apps.catalog.services import kind_of, price
from apps.gateway import catalog as gateway_catalog
from apps.gateway.errors import UpstreamUnavailable
from apps.sandbox.catalog import MODELS, PROVIDERS
from apps.sandbox.routing import endpoints_of
from apps.syncs.models import SyncState
from apps.syncs.runner import sync_run

pytestmark = pytest.mark.django_db


def test_sync_against_the_sandbox_mirrors_every_model_endpoint_and_provider(organisation):
    outcome = sync_run(organisation, "catalog")
    assert outcome.run.ok, outcome.run.error
    ids = set(
        CatalogModel.objects.filter(organisation=organisation).values_list("model_id", flat=True)
    )
    assert ids == {m.id for m in MODELS}
    assert set(
        CatalogProvider.objects.filter(organisation=organisation).values_list("slug", flat=True)
    ) == set(PROVIDERS)
    expected = sum(len(endpoints_of(m)) for m in MODELS)
    assert CatalogEndpoint.objects.filter(organisation=organisation).count() == expected
    # providers + models + embeddings + images + videos + zdr + one endpoints call per model
    assert outcome.run.calls == 6 + len(MODELS)


def test_every_modality_is_mirrored_with_its_kind(catalog, organisation):
    kinds = set(
        CatalogModel.objects.filter(organisation=organisation).values_list("kind", flat=True)
    )
    assert {"text", "embeddings", "image", "video", "speech", "transcription", "rerank"} <= kinds
    veo = CatalogModel.objects.get(organisation=organisation, model_id="google/veo-3.1")
    # What the sandbox publishes for Veo (its own capabilities, not the default list).
    assert veo.details["video"]["resolutions"] == ["720p", "1080p"]
    flux = CatalogModel.objects.get(
        organisation=organisation, model_id="black-forest-labs/flux-1.1-pro"
    )
    assert "aspect_ratio" in flux.details["image"]["parameters"]
    tts = CatalogModel.objects.get(organisation=organisation, model_id="openai/gpt-4o-mini-tts")
    assert "alloy" in tts.details["voices"]


def test_endpoints_carry_prices_context_quantization_uptime_and_zdr(catalog, organisation):
    sonnet = CatalogModel.objects.get(
        organisation=organisation, model_id="anthropic/claude-sonnet-4.5"
    )
    rows = {e.provider_slug: e for e in sonnet.endpoints.all()}
    assert set(rows) == {"anthropic", "amazon-bedrock", "google-vertex"}
    assert str(rows["anthropic"].prompt_price.normalize()) == "0.000003"
    assert rows["anthropic"].context_length == 1000000
    assert rows["anthropic"].uptime_last_30m == 99.8
    assert rows["anthropic"].latency_p50_ms == 420.0
    # First-party Anthropic retains prompts; Bedrock and Vertex are ZDR (the ZDR guide).
    assert not rows["anthropic"].zdr and rows["amazon-bedrock"].zdr
    assert sonnet.zdr and sonnet.providers == ",anthropic,amazon-bedrock,google-vertex,"
    llama = CatalogModel.objects.get(
        organisation=organisation, model_id="meta-llama/llama-3.3-70b-instruct"
    )
    assert {e.quantization for e in llama.endpoints.all()} >= {"fp8"}


def test_a_model_gone_upstream_is_marked_not_deleted_and_comes_back(
    catalog, organisation, monkeypatch
):
    gpt = CatalogModel.objects.get(organisation=organisation, model_id="openai/gpt-4.1")
    real = gateway_catalog.models_pages

    def without_gpt(org, **kwargs):
        for page in real(org, **kwargs):
            yield [m for m in page if m.id != "openai/gpt-4.1"]

    monkeypatch.setattr(gateway_catalog, "models_pages", without_gpt)
    outcome = sync_run(organisation, "catalog")
    assert outcome.run.ok and "1 models gone upstream" in outcome.run.message
    gpt.refresh_from_db()
    assert gpt.gone_at is not None and gpt.endpoints.exists()
    monkeypatch.setattr(gateway_catalog, "models_pages", real)
    assert sync_run(organisation, "catalog").run.ok
    gpt.refresh_from_db()
    assert gpt.gone_at is None


def test_a_failed_pass_resumes_at_its_checkpoint(catalog, organisation, monkeypatch):
    monkeypatch.setattr("apps.catalog.services.ENDPOINTS_BATCH", 5)
    real = gateway_catalog.model_endpoints
    asked: list[str] = []
    failures = [UpstreamUnavailable()]

    def flaky(org, model_id):
        asked.append(model_id)
        if model_id == "openai/gpt-4.1" and failures:
            raise failures.pop()
        return real(org, model_id)

    monkeypatch.setattr(gateway_catalog, "model_endpoints", flaky)
    failed = sync_run(organisation, "catalog")
    assert not failed.run.ok
    state = SyncState.objects.get(organisation=organisation, stream="catalog")
    assert state.cursor["step"] == "endpoints"
    resume_after = state.cursor["after"]
    assert resume_after and resume_after < "openai/gpt-4.1"
    asked.clear()
    assert sync_run(organisation, "catalog").run.ok
    assert asked[0] > resume_after  # models already stored were not asked again


def test_an_upstream_outage_fails_the_run_and_keeps_the_mirror(
    catalog, organisation, upstream_fault, monkeypatch
):
    monkeypatch.undo()  # real calls, so the fault applies
    before = CatalogModel.objects.filter(organisation=organisation).count()
    upstream_fault("503")
    outcome = sync_run(organisation, "catalog")
    assert outcome.run.outcome == "error" and outcome.error is not None
    assert (
        CatalogModel.objects.filter(organisation=organisation, gone_at__isnull=True).count()
        == before
    )


@pytest.mark.parametrize(
    ("outputs", "kind"),
    [
        (["text"], "text"),
        (["text", "image"], "text"),
        (["image"], "image"),
        (["embeddings"], "embeddings"),
        (["video"], "video"),
        (["speech"], "speech"),
        (["audio"], "speech"),
        (["transcription"], "transcription"),
        (["rerank"], "rerank"),
    ],
)
def test_kind_of(outputs, kind):
    assert kind_of(outputs) == kind


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.0000025", "0.0000025"), ("0", "0"), ("-1", None), ("", None), (None, None), ("x", None)],
)
def test_price_parsing(text, expected):
    parsed = price(text)
    assert (str(parsed) if parsed is not None else None) == expected

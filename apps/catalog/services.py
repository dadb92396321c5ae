"""The catalog stream: mirror providers, every model of every modality and each model's
endpoints per provider into the organisation's local catalog.

One pass, in steps, each checkpointed so a failed pass resumes where it stopped:

1. ``providers``: ``GET /providers``;
2. ``models``: ``GET /models?output_modalities=all``, page by page;
3. ``extras``: ``/embeddings/models``, ``/images/models``, ``/videos/models`` (models only
   those lists carry are added; their modality details are kept);
4. ``endpoints``: ``/endpoints/zdr`` once, then ``/models/{author}/{slug}/endpoints`` per
   model, in model-id order (the checkpoint remembers the last model done).

At the end, a model or provider not seen since the pass began is marked gone (``gone_at``),
not deleted: pickers and pages then say it "no longer exists upstream".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.catalog.models import (
    UNKNOWN_DATE,
    CatalogEndpoint,
    CatalogModel,
    CatalogProvider,
    Modality,
    tags,
)
from apps.gateway import catalog as gateway_catalog
from apps.gateway.errors import NotFound
from apps.syncs.runner import SyncContext

RESUME_WITHIN = timedelta(hours=6)  # an older unfinished pass is started afresh
STEPS = ("providers", "models", "extras", "endpoints")
ENDPOINTS_BATCH = 25  # models whose endpoints are written (and checkpointed) together

# The columns a pass over /models writes; the endpoint-derived ones are kept.
MODEL_FIELDS = (
    "canonical_slug",
    "name",
    "description",
    "kind",
    "modality",
    "input_modalities",
    "output_modalities",
    "context_length",
    "max_completion_tokens",
    "prompt_price",
    "completion_price",
    "pricing",
    "supported_parameters",
    "tokenizer",
    "instruct_type",
    "is_moderated",
    "hugging_face_id",
    "knowledge_cutoff",
    "expiration_date",
    "created",
    "details",
    "context_sort",
    "prompt_sort",
    "completion_sort",
    "gone_at",
    "synced_at",
)
PROVIDER_FIELDS = (
    "name",
    "privacy_policy_url",
    "terms_of_service_url",
    "status_page_url",
    "headquarters",
    "datacenters",
    "gone_at",
    "synced_at",
)


# --- from the SDK's models to rows ----------------------------------------------------------


def price(value: str | None) -> Decimal | None:
    """An upstream price string (``"0.0000025"``) as a Decimal; None when absent or variable
    (negative, as routers publish it)."""
    if value is None or value == "":
        return None
    try:
        parsed = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not parsed.is_finite() or parsed < 0:
        return None
    return parsed


def kind_of(outputs: list[str]) -> str:
    """The modality a model is listed under: what it produces, text last."""
    out = set(outputs)
    for modality in (
        Modality.EMBEDDINGS,
        Modality.RERANK,
        Modality.VIDEO,
        Modality.TRANSCRIPTION,
        Modality.SPEECH,
    ):
        if modality in out:
            return modality
    if Modality.AUDIO in out and Modality.TEXT not in out:
        return Modality.SPEECH
    if Modality.IMAGE in out and Modality.TEXT not in out:
        return Modality.IMAGE
    return Modality.TEXT


def _created(unix: int | None) -> datetime:
    return datetime.fromtimestamp(unix, tz=UTC) if unix else UNKNOWN_DATE


def _pricing_dict(pricing: Any) -> dict:
    """The price strings upstream lists, by name (no nulls)."""
    return {
        name: str(value)
        for name, value in pricing.model_dump(exclude_none=True).items()
        if isinstance(value, str | int | float)
    }


def model_from_upstream(organisation, data: Any, now: datetime) -> CatalogModel:
    """A row from the SDK's ``Model``."""
    architecture = data.architecture
    outputs = [str(m) for m in architecture.output_modalities]
    inputs = [str(m) for m in architecture.input_modalities]
    details: dict = {}
    if data.supported_voices:
        details["voices"] = [str(v) for v in data.supported_voices]
    row = CatalogModel(
        organisation=organisation,
        model_id=data.id,
        canonical_slug=data.canonical_slug or "",
        name=data.name,
        description=data.description or "",
        kind=kind_of(outputs),
        modality=architecture.modality or "",
        input_modalities=tags(inputs),
        output_modalities=tags(outputs),
        context_length=data.context_length,
        max_completion_tokens=data.top_provider.max_completion_tokens,
        prompt_price=price(data.pricing.prompt),
        completion_price=price(data.pricing.completion),
        pricing=_pricing_dict(data.pricing),
        supported_parameters=tags([str(p) for p in data.supported_parameters]),
        tokenizer=str(architecture.tokenizer or ""),
        instruct_type=str(architecture.instruct_type or ""),
        is_moderated=bool(data.top_provider.is_moderated),
        hugging_face_id=data.hugging_face_id or "",
        knowledge_cutoff=data.knowledge_cutoff or "",
        expiration_date=data.expiration_date or "",
        created=_created(data.created),
        details=details,
        gone_at=None,
        synced_at=now,
    )
    row.refresh_derived()
    return row


def endpoint_from_upstream(
    model: CatalogModel, data: Any, position: int, zdr: set[tuple[str, str]]
) -> CatalogEndpoint:
    """A row from the SDK's ``PublicEndpoint``."""
    latency, throughput = data.latency_last_30m, data.throughput_last_30m
    return CatalogEndpoint(
        organisation_id=model.organisation_id,
        model=model,
        provider_slug=data.tag,
        provider_name=str(data.provider_name),
        name=data.name,
        position=position,
        context_length=data.context_length,
        max_completion_tokens=data.max_completion_tokens,
        max_prompt_tokens=data.max_prompt_tokens,
        prompt_price=price(data.pricing.prompt),
        completion_price=price(data.pricing.completion),
        pricing=_pricing_dict(data.pricing),
        quantization=str(data.quantization or ""),
        service_tier=str(data.service_tier or ""),
        status=int(data.status) if data.status is not None else None,
        uptime_last_5m=data.uptime_last_5m,
        uptime_last_30m=data.uptime_last_30m,
        uptime_last_1d=data.uptime_last_1d,
        latency_p50_ms=latency.p50 if latency is not None else None,
        throughput_p50=throughput.p50 if throughput is not None else None,
        supports_implicit_caching=bool(data.supports_implicit_caching),
        supported_parameters=tags([str(p) for p in data.supported_parameters]),
        zdr=(data.model_id, data.tag) in zdr or (model.model_id, data.tag) in zdr,
    )


def provider_from_upstream(organisation, data: Any, now: datetime) -> CatalogProvider:
    """A row from the SDK's ``ListProvidersData``."""
    return CatalogProvider(
        organisation=organisation,
        slug=data.slug,
        name=data.name,
        privacy_policy_url=data.privacy_policy_url or "",
        terms_of_service_url=data.terms_of_service_url or "",
        status_page_url=data.status_page_url or "",
        headquarters=str(data.headquarters or ""),
        datacenters=[str(d) for d in data.datacenters or []],
        gone_at=None,
        synced_at=now,
    )


# --- storing --------------------------------------------------------------------------------


def providers_store(organisation, listed: list[Any], now: datetime) -> int:
    rows = [provider_from_upstream(organisation, p, now) for p in listed]
    CatalogProvider.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["organisation", "slug"],
        update_fields=list(PROVIDER_FIELDS),
    )
    return len(rows)


def models_store(organisation, page: list[Any], now: datetime) -> int:
    rows = [model_from_upstream(organisation, m, now) for m in page]
    CatalogModel.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["organisation", "model_id"],
        update_fields=list(MODEL_FIELDS),
    )
    return len(rows)


def _media_model(organisation, data: Any, kind: str, now: datetime) -> CatalogModel:
    """A model only a modality list carries (no token prices: it is priced per unit)."""
    outputs = [str(m) for m in data.architecture.output_modalities] if kind == "image" else []
    inputs = [str(m) for m in data.architecture.input_modalities] if kind == "image" else []
    row = CatalogModel(
        organisation=organisation,
        model_id=data.id,
        canonical_slug=data.canonical_slug if kind == "video" else "",
        name=data.name,
        description=data.description or "",
        kind=Modality.VIDEO if kind == "video" else kind_of(outputs or ["image"]),
        input_modalities=tags(inputs or ["text"]),
        output_modalities=tags(outputs or [kind]),
        created=_created(data.created),
        synced_at=now,
    )
    row.refresh_derived()
    return row


def _image_details(data: Any) -> dict:
    return {
        "parameters": sorted(str(name) for name in data.supported_parameters),
        "supports_streaming": bool(data.supports_streaming),
    }


def _video_details(data: Any) -> dict:
    def names(values) -> list[str]:
        return [str(v) for v in values] if values else []

    return {
        "resolutions": names(data.supported_resolutions),
        "durations": [int(d) for d in data.supported_durations or []],
        "aspect_ratios": names(data.supported_aspect_ratios),
        "frame_images": names(data.supported_frame_images),
        "generate_audio": data.generate_audio,
        "seed": data.seed,
        "pricing_skus": dict(data.pricing_skus or {}),
    }


def extras_store(
    organisation, *, embeddings: list[Any], images: list[Any], videos: list[Any], now: datetime
) -> int:
    """Merge the modality lists into the mirror; returns how many rows they touched."""
    written = models_store(organisation, embeddings, now) if embeddings else 0
    for kind, listed, detail in (
        ("image", images, _image_details),
        ("video", videos, _video_details),
    ):
        if not listed:
            continue
        known = {
            m.model_id: m
            for m in CatalogModel.objects.filter(
                organisation=organisation, model_id__in=[d.id for d in listed]
            )
        }
        changed, fresh = [], []
        for data in listed:
            row = known.get(data.id)
            if row is None:
                row = _media_model(organisation, data, kind, now)
                fresh.append(row)
            else:
                changed.append(row)
            row.details = {**row.details, kind: detail(data)}
            row.synced_at, row.gone_at = now, None
        CatalogModel.objects.bulk_create(fresh)
        CatalogModel.objects.bulk_update(changed, ["details", "synced_at", "gone_at"])
        written += len(listed)
    return written


def endpoints_store(batch: list[tuple[CatalogModel, list[Any]]], zdr: set[tuple[str, str]]) -> int:
    """Replace some models' endpoints, and their derived provider lists and ZDR flags."""
    rows_by_model = []
    for model, listed in batch:
        rows = [endpoint_from_upstream(model, e, i, zdr) for i, e in enumerate(listed)]
        # One endpoint per provider tag (upstream lists one; keep the first if it repeats).
        rows = list({row.provider_slug: row for row in reversed(rows)}.values())[::-1]
        model.providers = tags([r.provider_slug for r in rows])
        model.endpoint_count = len(rows)
        model.zdr = any(r.zdr for r in rows)
        rows_by_model.append(rows)
    models = [model for model, _ in batch]
    CatalogEndpoint.objects.filter(model__in=models).delete()
    CatalogEndpoint.objects.bulk_create([row for rows in rows_by_model for row in rows])
    CatalogModel.objects.bulk_update(models, ["providers", "endpoint_count", "zdr"])
    return sum(len(rows) for rows in rows_by_model)


def _finish_pass(organisation, started: datetime, now: datetime) -> tuple[int, int]:
    """Models and providers not seen since the pass began: gone upstream (kept, marked)."""
    models_gone = CatalogModel.objects.filter(
        organisation=organisation, synced_at__lt=started, gone_at__isnull=True
    ).update(gone_at=now)
    providers_gone = CatalogProvider.objects.filter(
        organisation=organisation, synced_at__lt=started, gone_at__isnull=True
    ).update(gone_at=now)
    return models_gone, providers_gone


# --- the stream -----------------------------------------------------------------------------


def _fresh_cursor(ctx: SyncContext, now: datetime) -> dict:
    started = ctx.cursor.get("pass_started_at")
    if started and datetime.fromisoformat(started) >= now - RESUME_WITHIN:
        return ctx.cursor  # resume the unfinished pass
    ctx.cursor = {"pass_started_at": now.isoformat(), "step": STEPS[0], "offset": 0, "after": ""}
    return ctx.cursor


def _step_done(ctx: SyncContext, step: str) -> bool:
    return STEPS.index(ctx.cursor["step"]) > STEPS.index(step)


def _next_step(ctx: SyncContext, step: str) -> None:
    ctx.checkpoint(step=STEPS[STEPS.index(step) + 1], offset=0)


def _store_batch(ctx: SyncContext, batch: list, zdr: set[tuple[str, str]]) -> int:
    """Write some models' endpoints and remember the last model done (the resume point)."""
    with transaction.atomic():
        written = endpoints_store(batch, zdr)
        ctx.checkpoint(after=batch[-1][0].model_id)
    return written


def catalog_sync_run(ctx: SyncContext) -> None:
    """One pass (or the rest of an unfinished one) over the whole catalog."""
    organisation = ctx.organisation
    cursor = _fresh_cursor(ctx, timezone.now())
    started = datetime.fromisoformat(cursor["pass_started_at"])

    if not _step_done(ctx, "providers"):
        listed = gateway_catalog.providers_list(organisation)
        with transaction.atomic():
            ctx.rows += providers_store(organisation, listed, timezone.now())
            _next_step(ctx, "providers")

    if not _step_done(ctx, "models"):
        offset = cursor.get("offset", 0)
        for page in gateway_catalog.models_pages(organisation, start=offset):
            offset += len(page)
            with transaction.atomic():
                ctx.rows += models_store(organisation, page, timezone.now())
                ctx.checkpoint(offset=offset)
        _next_step(ctx, "models")

    if not _step_done(ctx, "extras"):
        embeddings = [
            m for page in gateway_catalog.embedding_models_pages(organisation) for m in page
        ]
        images = gateway_catalog.image_models(organisation)
        videos = gateway_catalog.video_models(organisation)
        with transaction.atomic():
            ctx.rows += extras_store(
                organisation,
                embeddings=embeddings,
                images=images,
                videos=videos,
                now=timezone.now(),
            )
            _next_step(ctx, "extras")

    zdr = {(e.model_id, e.tag) for e in gateway_catalog.zdr_endpoints(organisation)}
    todo = CatalogModel.objects.filter(organisation=organisation, synced_at__gte=started).order_by(
        "model_id"
    )
    if cursor.get("after"):
        todo = todo.filter(model_id__gt=cursor["after"])
    endpoints = 0
    batch: list[tuple[CatalogModel, list[Any]]] = []
    for model in todo.only("id", "organisation_id", "model_id"):
        try:
            listed = list(gateway_catalog.model_endpoints(organisation, model.model_id).endpoints)
        except NotFound:
            listed = []  # a media model upstream lists no token endpoints for
        batch.append((model, listed))
        if len(batch) == ENDPOINTS_BATCH:
            endpoints += _store_batch(ctx, batch, zdr)
            batch = []
    if batch:
        endpoints += _store_batch(ctx, batch, zdr)
    ctx.rows += endpoints
    models_gone, providers_gone = _finish_pass(organisation, started, timezone.now())
    live = CatalogModel.objects.filter(organisation=organisation, gone_at__isnull=True).count()
    ctx.message = f"{live} models, {endpoints} endpoints refreshed" + (
        f", {models_gone} models gone upstream" if models_gone else ""
    )
    if providers_gone:
        ctx.message += f", {providers_gone} providers gone"

"""Reads of the catalog mirror, always scoped to one organisation; never upstream.

The pickers' reads (``model_choices``, ``provider_choices``, ``model_get``,
``models_lookup``) are what other apps use; the catalog pages use the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property

from django.core.cache import cache
from django.db.models import Q, QuerySet

from apps.catalog.models import MILLION, CatalogEndpoint, CatalogModel, CatalogProvider
from apps.core import keyset
from apps.gateway.byok import BYOK_PROVIDERS
from apps.syncs.selectors import synced_once

STREAM = "catalog"
PAGE_SIZE = 50
PICK_LIMIT = 50  # options a search returns (plus whatever is already picked)
FACETS_CACHE_SECONDS = 24 * 3600

# sort name -> (column, descending)
SORTS: dict[str, tuple[str, bool]] = {
    "name": ("name", False),
    "context": ("context_sort", True),
    "input_price": ("prompt_sort", False),
    "output_price": ("completion_sort", False),
    "newest": ("created", True),
}
LIST_COLUMNS = (
    "id",
    "model_id",
    "name",
    "kind",
    "input_modalities",
    "output_modalities",
    "context_length",
    "prompt_price",
    "completion_price",
    "pricing",
    "providers",
    "endpoint_count",
    "zdr",
    "gone_at",
    "created",
    "context_sort",
    "prompt_sort",
    "completion_sort",
)


# --- pickers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """One option of a picker: the value sent, what a person reads, and whether it still
    exists upstream (``gone``) or was never in the catalog (``unknown``)."""

    value: str
    label: str
    hint: str = ""
    gone: bool = False
    unknown: bool = False


def catalog_synced(organisation) -> bool:
    return synced_once(organisation, STREAM)


def _model_search(qs: QuerySet[CatalogModel], q: str) -> QuerySet[CatalogModel]:
    q = q.strip()
    if not q:
        return qs
    return qs.filter(
        Q(name__icontains=q) | Q(model_id__icontains=q) | Q(canonical_slug__icontains=q)
    )


def _model_choice(m) -> Choice:
    return Choice(value=m.model_id, label=m.name, hint=m.model_id, gone=m.gone_at is not None)


def model_choices(
    organisation,
    q: str = "",
    modality: str = "",
    *,
    limit: int | None = None,
    include: Iterable[str] = (),
) -> list[Choice]:
    """Models for a picker: those matching ``q`` (name, id or canonical slug) of output
    ``modality``, live ones only, by name; plus every value in ``include`` first (what is
    already picked, even if it is gone upstream or unknown to the catalog). Two queries."""
    picked = [v for v in dict.fromkeys(include) if v]
    found = models_lookup(organisation, picked)
    head = [
        _model_choice(found[v]) if v in found else Choice(v, v, v, unknown=True) for v in picked
    ]
    taken = {c.value for c in head}
    qs = CatalogModel.objects.filter(organisation=organisation, gone_at__isnull=True)
    if modality:
        qs = qs.filter(output_modalities__contains=f",{modality},")
    qs = _model_search(qs, q).order_by("name", "id").only("model_id", "name", "gone_at")
    if limit:
        qs = qs[: limit + len(taken)]
    rows = [m for m in qs if m.model_id not in taken]
    return head + [_model_choice(m) for m in (rows[:limit] if limit else rows)]


def models_lookup(organisation, values: Iterable[str]) -> dict[str, CatalogModel]:
    """``value → model`` for each value that names a mirrored model by id or canonical slug
    (gone ones included). One query."""
    values = [v for v in values if v]
    if not values:
        return {}
    rows = CatalogModel.objects.filter(organisation=organisation).filter(
        Q(model_id__in=values) | Q(canonical_slug__in=values)
    )
    out: dict[str, CatalogModel] = {}
    for m in rows:
        for v in (m.canonical_slug, m.model_id):  # the id wins over another's canonical slug
            if v in values:
                out[v] = m
    return out


def model_voices(organisation) -> dict[str, list[str]]:
    """``model id → its voices`` for each live text-to-speech model that lists them."""
    rows = CatalogModel.objects.filter(
        organisation=organisation, gone_at__isnull=True, details__has_key="voices"
    ).values_list("model_id", "details")
    return {model_id: list(details["voices"]) for model_id, details in rows if details["voices"]}


def model_get(organisation, model_id: str) -> CatalogModel | None:
    """One model by id (or canonical slug), gone or not."""
    return models_lookup(organisation, [model_id]).get(model_id)


def _provider_choice(p) -> Choice:
    return Choice(value=p.slug, label=p.name, hint=p.slug, gone=p.gone_at is not None)


def provider_choices(
    organisation, q: str = "", *, limit: int | None = None, include: Iterable[str] = ()
) -> list[Choice]:
    """Providers for a picker, by display name; ``include`` first (as ``model_choices``)."""
    picked = [v for v in dict.fromkeys(include) if v]
    found = providers_lookup(organisation, picked)
    head = [
        _provider_choice(found[v]) if v in found else Choice(v, v, v, unknown=True) for v in picked
    ]
    taken = {c.value for c in head}
    qs = CatalogProvider.objects.filter(organisation=organisation, gone_at__isnull=True)
    if q := q.strip():
        qs = qs.filter(Q(name__icontains=q) | Q(slug__icontains=q))
    rows = [p for p in qs.order_by("name", "id") if p.slug not in taken]
    return head + [_provider_choice(p) for p in (rows[:limit] if limit else rows)]


def providers_lookup(organisation, slugs: Iterable[str]) -> dict[str, CatalogProvider]:
    slugs = [s for s in slugs if s]
    if not slugs:
        return {}
    return {
        p.slug: p for p in CatalogProvider.objects.filter(organisation=organisation, slug__in=slugs)
    }


def slug_label(slug: str) -> str:
    """A readable name for a provider slug the provider list does not name."""
    words = slug.replace("/", " ").replace("-", " ").split()
    return " ".join(w if w.isupper() else w.capitalize() for w in words) or slug


def byok_provider_choices(
    organisation, q: str = "", *, limit: int | None = None, include: Iterable[str] = ()
) -> list[Choice]:
    """The providers a BYOK credential may be for (the API's list), by display name (from
    the mirrored provider list where it names them); ``include`` first."""
    names = provider_names(organisation)
    every = [Choice(s, names.get(s) or slug_label(s), s) for s in BYOK_PROVIDERS]
    by_value = {c.value: c for c in every}
    picked = [v for v in dict.fromkeys(include) if v]
    head = [by_value.get(v) or Choice(v, v, v, unknown=True) for v in picked]
    needle = q.strip().lower()
    rows = sorted(
        (
            c
            for c in every
            if c.value not in picked
            and (not needle or needle in c.label.lower() or needle in c.value)
        ),
        key=lambda c: c.label.lower(),
    )
    return head + (rows[:limit] if limit else rows)


def provider_names(organisation) -> dict[str, str]:
    """Provider slug → display name, every mirrored provider."""
    return dict(
        CatalogProvider.objects.filter(organisation=organisation).values_list("slug", "name")
    )


# --- the catalog page ----------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogFilters:
    q: str = ""
    modality: str = ""
    min_context: int | None = None
    max_input: Decimal | None = None  # USD per million input tokens
    max_output: Decimal | None = None  # USD per million output tokens
    provider: str = ""
    zdr: bool = False
    parameter: str = ""
    sort: str = "name"
    gone: bool = False  # include models gone upstream

    @property
    def column(self) -> str:
        return SORTS.get(self.sort, SORTS["name"])[0]

    @property
    def descending(self) -> bool:
        return SORTS.get(self.sort, SORTS["name"])[1]


def models_filtered(organisation, f: CatalogFilters) -> QuerySet[CatalogModel]:
    qs = CatalogModel.objects.filter(organisation=organisation)
    if not f.gone:
        qs = qs.filter(gone_at__isnull=True)
    qs = _model_search(qs, f.q)
    if f.modality:
        qs = qs.filter(output_modalities__contains=f",{f.modality},")
    if f.min_context:
        qs = qs.filter(context_sort__gte=f.min_context)
    if f.max_input is not None:
        qs = qs.filter(prompt_price__lte=f.max_input / MILLION)
    if f.max_output is not None:
        qs = qs.filter(completion_price__lte=f.max_output / MILLION)
    if f.provider:
        qs = qs.filter(providers__contains=f",{f.provider},")
    if f.zdr:
        qs = qs.filter(zdr=True)
    if f.parameter:
        qs = qs.filter(supported_parameters__contains=f",{f.parameter},")
    return qs


def models_page(organisation, f: CatalogFilters, *, after: str = ""):
    """One page of the catalog by keyset: ``(rows, next_cursor or "")``. One query."""
    qs = models_filtered(organisation, f).only(*LIST_COLUMNS)
    return keyset.page(qs, f.column, descending=f.descending, after=after, size=PAGE_SIZE)


@dataclass(frozen=True)
class Facets:
    """What the catalog page's filters offer: every supported parameter a live model lists,
    and how many models are gone upstream (the "Include gone" filter shows only if any)."""

    parameters: list[str]
    gone: int


class FilterChoices:
    """The catalog filters' choices, read on first use (a partial never draws the filters)."""

    def __init__(self, organisation, *, version: datetime | None) -> None:
        self.organisation = organisation
        self.version = version

    @cached_property
    def providers(self) -> list[Choice]:
        return provider_choices(self.organisation)

    @cached_property
    def facets(self) -> Facets:
        return catalog_facets(self.organisation, version=self.version)


def catalog_facets(organisation, *, version: datetime | None = None) -> Facets:
    """The filters' choices. Two queries, or none: with ``version`` (the last catalog sync's
    time; only a sync changes the mirror) the answer is cached until the next sync."""
    stamp = int(version.timestamp() * 1e6) if isinstance(version, datetime) else version
    key = f"catalog-facets-{organisation.pk}-{stamp}"
    if version is not None and (cached := cache.get(key)) is not None:
        return cached
    seen: set[str] = set()
    for tags_text in CatalogModel.objects.filter(
        organisation=organisation, gone_at__isnull=True
    ).values_list("supported_parameters", flat=True):
        seen.update(t for t in tags_text.split(",") if t)
    gone = CatalogModel.objects.filter(organisation=organisation, gone_at__isnull=False).count()
    found = Facets(parameters=sorted(seen), gone=gone)
    if version is not None:
        cache.set(key, found, timeout=FACETS_CACHE_SECONDS)
    return found


def model_endpoints(model: CatalogModel) -> list[CatalogEndpoint]:
    return list(CatalogEndpoint.objects.filter(model=model).order_by("position", "id"))


def models_for_compare(organisation, values: list[str]) -> list[CatalogModel]:
    """The models named, in the order given, each with its endpoints. Two queries."""
    found = models_lookup(organisation, values)
    ordered = list(dict.fromkeys(found[v] for v in values if v in found))
    by_model: dict[int, list[CatalogEndpoint]] = {m.pk: [] for m in ordered}
    for e in CatalogEndpoint.objects.filter(model__in=ordered).order_by("position", "id"):
        by_model[e.model_id].append(e)
    for m in ordered:
        m.endpoint_rows = by_model[m.pk]
    return ordered


# --- cost estimate and comparison ------------------------------------------------------------

# Prices that are per unit (image, second, search…), not per token or request: not estimated.
UNIT_PRICES = ("image", "image_output", "image_token", "audio", "audio_output", "web_search")


@dataclass(frozen=True)
class Estimate:
    model: CatalogModel
    cost: Decimal | None  # None: upstream publishes no fixed token price
    per_request: Decimal | None
    unit_priced: bool  # some of its prices are per image/second/search: not included


def estimate_cost(
    model: CatalogModel, *, requests: int, input_tokens: int, output_tokens: int
) -> Estimate:
    """What ``requests`` requests of ``input_tokens`` in / ``output_tokens`` out would cost at
    the model's list prices (plus its per-request price, if it has one)."""
    unit_priced = any(
        (price_text := model.pricing.get(name)) not in (None, "", "0") and price_text != "-1"
        for name in UNIT_PRICES
    )
    if model.prompt_price is None or model.completion_price is None:
        return Estimate(model, None, None, unit_priced)
    try:
        per_request_fee = Decimal(str(model.pricing.get("request") or 0))
    except InvalidOperation:
        per_request_fee = Decimal(0)
    per_request = (
        model.prompt_price * input_tokens
        + model.completion_price * output_tokens
        + max(per_request_fee, Decimal(0))
    )
    return Estimate(model, per_request * requests, per_request, unit_priced)


def estimate_for(models: list[CatalogModel], values: dict) -> dict:
    """The estimate's inputs and one ``Estimate`` per model."""
    requests, tokens_in, tokens_out = (
        values["requests"],
        values["input_tokens"],
        values["output_tokens"],
    )
    return {
        "requests": requests,
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "rows": [
            estimate_cost(m, requests=requests, input_tokens=tokens_in, output_tokens=tokens_out)
            for m in models
        ],
    }


def _per_million(value: Decimal | None) -> str:
    if value is None:
        return "varies"
    per_m = value * MILLION
    return f"${per_m:,.2f}" if per_m >= 1 or per_m == 0 else f"${per_m:,.4f}".rstrip("0")


def _tokens(value: int | None) -> str:
    return f"{value:,}" if value else "—"


def compare_rows(models: list[CatalogModel]) -> list[tuple[str, list[str]]]:
    """The comparison table: one row per property, one cell per model (display text)."""
    if not models:
        return []

    def row(label: str, cell) -> tuple[str, list[str]]:
        return label, [cell(m) for m in models]

    return [
        row("Modality", lambda m: m.kind_label),
        row("Input", lambda m: ", ".join(m.input_list) or "—"),
        row("Output", lambda m: ", ".join(m.output_list) or "—"),
        row("Context (tokens)", lambda m: _tokens(m.context_length)),
        row("Max output (tokens)", lambda m: _tokens(m.max_completion_tokens)),
        row("Input $ / 1M tokens", lambda m: _per_million(m.prompt_price)),
        row("Output $ / 1M tokens", lambda m: _per_million(m.completion_price)),
        row(
            "Other prices",
            lambda m: (
                ", ".join(
                    f"{k} {v}" for k, v in m.pricing.items() if k not in ("prompt", "completion")
                )
                or "—"
            ),
        ),
        row("Providers", lambda m: ", ".join(e.provider_name for e in m.endpoint_rows) or "—"),
        row("ZDR endpoint", lambda m: "yes" if m.zdr else "no"),
        row(
            "Best uptime (30 min)",
            lambda m: (
                f"{max(e.uptime_last_30m for e in ups):.1f} %"
                if (ups := [e for e in m.endpoint_rows if e.uptime_last_30m is not None])
                else "—"
            ),
        ),
        row(
            "Quantization",
            lambda m: (
                ", ".join(sorted({e.quantization for e in m.endpoint_rows if e.quantization}))
                or "—"
            ),
        ),
        row("Supported parameters", lambda m: ", ".join(m.parameter_list) or "—"),
        row("Tokenizer", lambda m: m.tokenizer or "—"),
        row("Moderated", lambda m: "yes" if m.is_moderated else "no"),
        row(
            "Released",
            lambda m: m.created_known.strftime("%Y-%m-%d") if m.created_known else "—",
        ),
    ]

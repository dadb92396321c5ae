"""The public catalog: models, endpoints, providers, media models, rankings, benchmarks."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django.http import JsonResponse

from apps.sandbox import catalog_json as cj
from apps.sandbox.catalog import MODELS, PROVIDERS, CatalogModel, find_model
from apps.sandbox.http import ApiError, Caller, endpoint, ok, query_int
from apps.sandbox.metering import allowed_model_ids
from apps.sandbox.routing import endpoints_of
from apps.sandbox.usage import utc_today

SORTS = {
    "newest": (lambda m: -m.created),
    "most-popular": (lambda m: MODELS.index(m)),
    "top-weekly": (lambda m: MODELS.index(m)),
    "pricing-low-to-high": (lambda m: m.prompt_price + m.completion_price),
    "pricing-high-to-low": (lambda m: -(m.prompt_price + m.completion_price)),
    "context-high-to-low": (lambda m: -m.context_length),
    "throughput-high-to-low": (lambda m: m.prompt_price),
    "latency-low-to-high": (lambda m: m.prompt_price),
    "intelligence-high-to-low": (lambda m: -m.completion_price),
    "design-arena-elo-high-to-low": (lambda m: -m.completion_price),
}


def _csv(request, name: str) -> list[str]:
    return [v.strip() for v in request.GET.get(name, "").split(",") if v.strip()]


def _number(request, name: str) -> float | None:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return None
    try:
        return float(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be a number") from None


def filter_models(request, models: list[CatalogModel]) -> list[CatalogModel]:
    """Apply the ``GET /models`` query filters; unknown values are a 400 like upstream."""
    outputs = _csv(request, "output_modalities") or ["text"]
    if "all" not in outputs:
        models = [m for m in models if set(outputs) & set(m.output_modalities)]
    if inputs := _csv(request, "input_modalities"):
        models = [m for m in models if set(inputs) <= set(m.input_modalities)]
    if q := request.GET.get("q", "").strip().lower():
        models = [m for m in models if q in m.id.lower() or q in m.name.lower()]
    if category := request.GET.get("category"):
        models = [m for m in models if category in m.categories]
    if params := _csv(request, "supported_parameters"):
        models = [m for m in models if set(params) <= set(m.supported_parameters)]
    if (context := _number(request, "context")) is not None:
        models = [m for m in models if m.context_length >= context]
    # min/max_price are USD per million prompt tokens, as on the models page.
    if (low := _number(request, "min_price")) is not None:
        models = [m for m in models if m.prompt_price * 1e6 >= low]
    if (high := _number(request, "max_price")) is not None:
        models = [m for m in models if m.prompt_price * 1e6 <= high]
    if authors := _csv(request, "model_authors"):
        models = [m for m in models if m.author in authors]
    if providers := _csv(request, "providers"):
        models = [m for m in models if any(e.provider in providers for e in endpoints_of(m))]
    if request.GET.get("zdr", "").lower() == "true":
        models = [m for m in models if any(e.zdr for e in endpoints_of(m))]
    if region := request.GET.get("region"):
        # The Models API names the EU "eu" (guardrails say "europe").
        wanted = {"eu": "europe", "us": "us"}.get(region.lower())
        if wanted is None:
            raise ApiError(400, "region must be one of: eu, us")
        models = [m for m in models if any(e.serves(wanted) for e in endpoints_of(m))]
    if sort := request.GET.get("sort"):
        if sort not in SORTS:
            raise ApiError(400, f"sort must be one of: {', '.join(SORTS)}")
        models = sorted(models, key=SORTS[sort])
    return models


def _model_page(request, models: list[CatalogModel]) -> JsonResponse:
    total = len(models)
    paged = "offset" in request.GET or "limit" in request.GET
    offset = query_int(request, "offset", 0, low=0)
    limit = query_int(request, "limit", 1000 if not paged else 100, low=1, high=1000)
    page = models[offset : offset + limit]
    next_url = None
    if paged and offset + limit < total:
        query = request.GET.copy()
        query["offset"] = str(offset + limit)
        query["limit"] = str(limit)
        next_url = request.build_absolute_uri(f"{request.path}?{urlencode(query)}")
    return JsonResponse(
        {
            "data": [cj.model_json(m) for m in page],
            "links": {"next": next_url},
            "total_count": total,
        }
    )


@endpoint(auth="optional")
def models_list(request, caller: Caller | None):
    return _model_page(request, filter_models(request, MODELS))


@endpoint(auth="optional")
def models_count(request, caller: Caller | None):
    return ok({"count": len(filter_models(request, MODELS))})


@endpoint(auth="key")
def models_user(request, caller: Caller):
    """The models the caller's guardrails (allowlists, providers, ZDR, regions) leave."""
    allowed = allowed_model_ids(caller, request)
    models = [m for m in MODELS if allowed is None or m.id in allowed]
    return _model_page(request, filter_models(request, models))


def _model_or_404(author: str, slug: str, kinds=None) -> CatalogModel:
    model = find_model(f"{author}/{slug}", kinds=kinds)
    if model is None:
        raise ApiError(404, f"Model {author}/{slug} not found")
    return model


@endpoint(auth="optional")
def model_detail(request, caller: Caller | None, author: str, slug: str):
    return ok(cj.model_json(_model_or_404(author, slug)))


@endpoint(auth="optional")
def model_endpoints(request, caller: Caller | None, author: str, slug: str):
    model = _model_or_404(author, slug)
    return ok(
        {
            "id": model.id,
            "name": model.name,
            "created": model.created,
            "description": model.description,
            "architecture": cj.architecture_json(model),
            "endpoints": [cj.endpoint_json(e) for e in endpoints_of(model)],
        }
    )


@endpoint(auth="optional")
def providers(request, caller: Caller | None):
    return ok([cj.provider_json(slug) for slug in PROVIDERS])


@endpoint(auth="optional")
def zdr_endpoints(request, caller: Caller | None):
    return ok([cj.endpoint_json(e) for m in MODELS for e in endpoints_of(m) if e.zdr])


@endpoint(auth="optional")
def embedding_models(request, caller: Caller | None):
    return _model_page(request, [m for m in MODELS if m.kind == "embedding"])


@endpoint(auth="optional")
def image_models(request, caller: Caller | None):
    return ok([cj.image_model_json(m) for m in MODELS if "image" in m.output_modalities])


@endpoint(auth="optional")
def image_model_endpoints(request, caller: Caller | None, author: str, slug: str):
    model = _model_or_404(author, slug)
    if "image" not in model.output_modalities:
        raise ApiError(404, f"Model {model.id} does not generate images")
    return JsonResponse({"id": model.id, "endpoints": [cj.image_endpoint_json(model)]})


@endpoint(auth="optional")
def video_models(request, caller: Caller | None):
    return ok([cj.video_model_json(m) for m in MODELS if m.kind == "video"])


# --- rankings and benchmarks (need a key, like upstream) ----------------------------------

CHAT_MODELS = [m for m in MODELS if m.kind == "chat"]


def _meta(**extra) -> dict:
    return {"as_of": utc_today().isoformat(), "version": "v1", **extra}


def _score(model: CatalogModel, salt: int) -> float:
    """A stable pseudo-score in 20..80 derived from the model's position and price."""
    return round(
        20 + ((MODELS.index(model) * 37 + salt * 11) % 60) + model.completion_price * 1e5, 1
    )


def _pricing(model: CatalogModel) -> dict[str, str]:
    return {"prompt": cj.price(model.prompt_price), "completion": cj.price(model.completion_price)}


@endpoint(auth="key")
def benchmarks(request, caller: Caller):
    source = request.GET.get("source", "artificial-analysis")
    if source not in ("artificial-analysis", "design-arena"):
        raise ApiError(400, "source must be one of: artificial-analysis, design-arena")
    max_results = query_int(request, "max_results", 50, low=1, high=500)
    models = CHAT_MODELS[:max_results]
    if source == "artificial-analysis":
        rows = [
            {
                "source": "artificial-analysis",
                "model_permaslug": m.permaslug,
                "display_name": m.name,
                "intelligence_index": _score(m, 1),
                "coding_index": _score(m, 2),
                "agentic_index": _score(m, 3),
                "pricing": _pricing(m),
            }
            for m in models
        ]
    else:
        rows = [
            {
                "source": "design-arena",
                "arena": request.GET.get("arena", "models"),
                "category": request.GET.get("category", "website"),
                "model_permaslug": m.permaslug,
                "display_name": m.name,
                "elo": 1000 + _score(m, 4) * 5,
                "win_rate": round(_score(m, 5) / 100, 3),
                "avg_generation_time_ms": 15000.0,
                "pricing": _pricing(m),
                "tournament_stats": {
                    "total": 40,
                    "first_place": 10,
                    "second_place": 10,
                    "third_place": 10,
                    "fourth_place": 10,
                },
            }
            for m in models
        ]
    return JsonResponse(
        {
            "data": rows,
            "meta": _meta(
                source=source,
                task_type=request.GET.get("task_type"),
                model_count=len(rows),
                citation=None,
                source_url=None,
            ),
        }
    )


_TASKS = [
    ("coding", "Programming", "technical", "Technical"),
    ("debugging", "Debugging", "technical", "Technical"),
    ("creative-writing", "Creative writing", "creative", "Creative"),
    ("roleplay", "Roleplay", "creative", "Creative"),
    ("translation", "Translation", "productivity", "Productivity"),
    ("summarization", "Summarization", "productivity", "Productivity"),
]


@endpoint(auth="key")
def task_classifications(request, caller: Caller):
    window = request.GET.get("window", "7d")
    if window not in ("1d", "7d", "30d"):
        raise ApiError(400, "window must be one of: 1d, 7d, 30d")
    share = round(1 / len(_TASKS), 4)
    classifications = [
        {
            "tag": tag,
            "display_name": label,
            "macro_category": macro,
            "token_share": share,
            "usage_share": share,
            "category_token_share": 0.5,
            "category_usage_share": 0.5,
            "models": [
                {"id": m.id, "tag_token_share": 0.25, "tag_usage_share": 0.25}
                for m in CHAT_MODELS[i : i + 4]
            ],
        }
        for i, (tag, label, macro, _) in enumerate(_TASKS)
    ]
    macros = {(m, ml) for _, _, m, ml in _TASKS}
    return ok(
        {
            "as_of": utc_today().isoformat(),
            "window_days": int(window[:-1]),
            "classifications": classifications,
            "macro_categories": [
                {"key": key, "label": label, "token_share": 0.3333, "usage_share": 0.3333}
                for key, label in sorted(macros)
            ],
        }
    )


def _date_range(request, default_days: int) -> tuple[date, date]:
    try:
        end = (
            date.fromisoformat(request.GET["end_date"])
            if request.GET.get("end_date")
            else utc_today()
        )
        start = (
            date.fromisoformat(request.GET["start_date"])
            if request.GET.get("start_date")
            else end - timedelta(days=default_days - 1)
        )
    except ValueError:
        raise ApiError(400, "dates must be in YYYY-MM-DD format") from None
    if start > end:
        raise ApiError(400, "start_date must not be after end_date")
    if (end - start).days > 90:
        raise ApiError(400, "the date range may span at most 90 days")
    return start, end


_APPS = ["Cline", "Roo Code", "Kilo Code", "SillyTavern", "Open WebUI", "LibreChat", "Aider", "Zed"]


@endpoint(auth="key")
def app_rankings(request, caller: Caller):
    start, end = _date_range(request, 7)
    offset = query_int(request, "offset", 0, low=0)
    limit = query_int(request, "limit", 50, low=1, high=100)
    sort = request.GET.get("sort", "popular")
    if sort not in ("popular", "trending"):
        raise ApiError(400, "sort must be one of: popular, trending")
    rows = [
        {
            "rank": i + 1,
            "app_id": 1000 + i,
            "app_name": name,
            "total_requests": 900_000 // (i + 1),
            "total_tokens": str(45_000_000_000 // (i + 1)),
        }
        for i, name in enumerate(_APPS)
    ]
    return JsonResponse(
        {
            "data": rows[offset : offset + limit],
            "meta": _meta(start_date=start.isoformat(), end_date=end.isoformat()),
        }
    )


@endpoint(auth="key")
def rankings_daily(request, caller: Caller):
    start, end = _date_range(request, 7)
    rows = []
    day = start
    while day <= end:
        for i, m in enumerate(CHAT_MODELS[:10]):
            rows.append(
                {
                    "date": day.isoformat(),
                    "model_permaslug": m.permaslug,
                    "total_tokens": str((10 - i) * 1_000_000_000 + day.toordinal() % 997 * 1000),
                }
            )
        day += timedelta(days=1)
    return JsonResponse(
        {"data": rows, "meta": _meta(start_date=start.isoformat(), end_date=end.isoformat())}
    )


@endpoint(auth="optional", methods=("GET", "POST", "PUT", "PATCH", "DELETE"))
def unknown_route(request, caller: Caller | None, rest: str = ""):
    """Any other path under the API answers OpenRouter's JSON 404, never an HTML page."""
    raise ApiError(404, "Not Found")

"""Which provider endpoint serves a request: endpoints per model, BYOK copies, preferences.

Like upstream, the main models are served by several providers (``ENDPOINTS``; the model's
``provider`` is the first, its endpoint id unchanged). A request is routed over a *pool* of
endpoint copies: one per shared endpoint (OpenRouter capacity, paid with credits) plus one
per BYOK credential that applies (paid on the customer's provider account). The pool is
ordered the way the BYOK guide describes: prioritized BYOK copies, then shared capacity,
then fallback BYOK copies; ``is_required``/``is_byok_only`` remove shared copies. Guardrails
filter the pool in ``enforcement.py``; this module applies the request's own ``provider``
preferences and walks the survivors, skipping providers made to fail with
``X-Sandbox-Provider-Fault``.

All endpoints of a model share its catalog price, so routing never changes what a request
costs — only who serves it and who pays.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.sandbox.catalog import MODELS, PROVIDERS, CatalogModel, endpoint_uuid
from apps.sandbox.http import ApiError
from apps.sandbox.http import field as body_field
from apps.sandbox.models import ApiKey, ByokKey

REGIONS = ("global", "europe", "us")
REGION_HEADER = "HTTP_X_SANDBOX_REGION"
PROVIDER_FAULT_HEADER = "HTTP_X_SANDBOX_PROVIDER_FAULT"

# Further providers of the main models, after the primary one (``CatalogModel.provider``).
ALSO_SERVED_BY: dict[str, tuple[str, ...]] = {
    "openai/gpt-4.1": ("azure",),
    "openai/gpt-4.1-mini": ("azure",),
    "openai/gpt-4o-mini": ("azure",),
    "openai/gpt-5": ("azure",),
    "openai/o4-mini": ("azure",),
    "openai/text-embedding-3-small": ("azure",),
    "openai/text-embedding-3-large": ("azure",),
    "anthropic/claude-sonnet-4.5": ("amazon-bedrock", "google-vertex"),
    "anthropic/claude-haiku-4.5": ("amazon-bedrock", "google-vertex"),
    "anthropic/claude-opus-4.1": ("amazon-bedrock", "google-vertex"),
    "google/gemini-2.5-pro": ("google-ai-studio",),
    "google/gemini-2.5-flash": ("google-ai-studio",),
    "google/gemini-2.5-flash-lite": ("google-ai-studio",),
    "meta-llama/llama-3.3-70b-instruct": ("together", "fireworks"),
    "deepseek/deepseek-chat-v3.1": ("fireworks", "deepseek"),
    "qwen/qwen3-235b-a22b-2507": ("deepinfra", "fireworks"),
    "qwen/qwen3-coder": ("together",),
    "moonshotai/kimi-k2": ("together",),
}

# ZDR is enforced per model group (guardrail fields ``enforce_zdr_<group>``).
_GROUPS = {"anthropic": "anthropic", "openai": "openai", "google": "google", "x-ai": "xai"}


def model_group(model: CatalogModel) -> str:
    return _GROUPS.get(model.author, "other")


@dataclass(frozen=True)
class ModelEndpoint:
    """One provider's endpoint of one model."""

    model: CatalogModel
    provider: str  # provider slug

    @property
    def id(self) -> str:
        return endpoint_uuid(self.model.permaslug, self.provider)

    @property
    def provider_name(self) -> str:
        return PROVIDERS[self.provider].name

    @property
    def zdr(self) -> bool:
        # A video provider keeps the video until it is downloaded: never ZDR.
        return PROVIDERS[self.provider].zdr and self.model.kind != "video"

    def serves(self, region: str) -> bool:
        """Whether shared capacity of this endpoint may take a request from ``region``."""
        return region == "global" or region in PROVIDERS[self.provider].regions


ENDPOINTS: dict[str, tuple[ModelEndpoint, ...]] = {
    m.id: tuple(ModelEndpoint(m, p) for p in (m.provider, *ALSO_SERVED_BY.get(m.id, ())))
    for m in MODELS
}


def endpoints_of(model: CatalogModel) -> tuple[ModelEndpoint, ...]:
    return ENDPOINTS[model.id]


# --- the pool of endpoint copies ----------------------------------------------------------

PRIORITIZED, SHARED, FALLBACK = 0, 1, 2


@dataclass(frozen=True)
class Candidate:
    """An endpoint copy: shared capacity (``byok`` None) or pinned to one BYOK credential."""

    endpoint: ModelEndpoint
    byok: ByokKey | None = None

    @property
    def provider(self) -> str:
        return self.endpoint.provider

    @property
    def is_byok(self) -> bool:
        return self.byok is not None

    @property
    def section(self) -> int:
        if self.byok is None:
            return SHARED
        return FALLBACK if self.byok.is_fallback else PRIORITIZED

    @property
    def zdr(self) -> bool:
        """A key's ZDR declaration replaces the endpoint's policy (never for video)."""
        if self.byok is not None and self.byok.declared_zdr is not None:
            return self.byok.declared_zdr and self.endpoint.model.kind != "video"
        return self.endpoint.zdr

    def serves(self, region: str) -> bool:
        # BYOK copies go to the customer's own resource: not filtered by region (BYOK guide).
        return self.byok is not None or self.endpoint.serves(region)


def _applies_to_caller(credential: ByokKey, key: ApiKey) -> bool:
    if credential.disabled or credential.deleted_at is not None:
        return False
    if credential.workspace_id not in (None, key.workspace_id):
        return False
    if credential.allowed_api_key_hashes is not None and (
        key.hash not in credential.allowed_api_key_hashes
    ):
        return False
    return credential.allowed_user_ids is None or key.creator_user_id in credential.allowed_user_ids


def _covers(credential: ByokKey, model: CatalogModel) -> bool:
    """The key's model filter (``allowed_models``; null = every model) includes ``model``."""
    return credential.allowed_models is None or bool(
        {model.id, model.permaslug} & set(credential.allowed_models)
    )


def pool(model: CatalogModel, key: ApiKey, credentials: list[ByokKey]) -> list[Candidate]:
    """Every endpoint copy that may serve ``model`` for ``key``, in routing order."""
    endpoints = endpoints_of(model)
    providers = {e.provider for e in endpoints}
    usable = sorted(
        (c for c in credentials if c.provider in providers and _applies_to_caller(c, key)),
        key=lambda c: (c.sort_order, c.created_at, str(c.id)),
    )
    # is_byok_only: never shared capacity on that provider; is_required: not for the models
    # the key applies to.
    no_shared = {c.provider for c in usable if c.is_byok_only} | {
        c.provider for c in usable if c.is_required and _covers(c, model)
    }
    copies: list[Candidate] = []
    for endpoint in endpoints:
        copies += [Candidate(endpoint, c) for c in usable if c.provider == endpoint.provider]
        if endpoint.provider not in no_shared:
            copies.append(Candidate(endpoint))
    copies = [c for c in copies if c.byok is None or _covers(c.byok, model)]
    return sorted(copies, key=lambda c: c.section)  # stable: endpoint order within a section


# --- the request's provider preferences -----------------------------------------------------

_BY_NAME = {p.name.lower(): slug for slug, p in PROVIDERS.items()}


def _slug(value: str) -> str:
    """Provider preferences take slugs (``amazon-bedrock``, ``openai/turbo``) or names."""
    base = value.strip().lower().split("/", 1)[0]
    return _BY_NAME.get(base, base)


@dataclass(frozen=True)
class Preferences:
    """The ``provider`` object of an inference request (the parts the sandbox acts on)."""

    order: tuple[str, ...] = ()
    only: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    allow_fallbacks: bool = True
    zdr: bool = False


def _slugs(prefs: dict, name: str) -> tuple[str, ...] | None:
    value = body_field(prefs, name, list, nullable=True)
    if value is None:
        return None
    if not all(isinstance(v, str) and v for v in value):
        raise ApiError(400, f"provider.{name} must be an array of provider slugs")
    return tuple(dict.fromkeys(_slug(v) for v in value))


def preferences(body: dict | None) -> Preferences:
    """Parse ``body["provider"]``; a malformed one is a 400 naming the field."""
    raw = (body or {}).get("provider")
    if raw is None:
        return Preferences()
    if not isinstance(raw, dict):
        raise ApiError(400, "provider must be an object")
    fallbacks = body_field(raw, "allow_fallbacks", bool, nullable=True)
    return Preferences(
        order=_slugs(raw, "order") or (),
        only=_slugs(raw, "only"),
        ignore=_slugs(raw, "ignore") or (),
        allow_fallbacks=True if fallbacks is None else fallbacks,
        zdr=bool(body_field(raw, "zdr", bool, nullable=True)),
    )


def apply_preferences(copies: list[Candidate], prefs: Preferences) -> tuple[list[Candidate], str]:
    """The copies the request's preferences leave, in the order they are tried; and, when
    none is left, which preference removed the last (for the 404's message)."""
    steps = []
    if prefs.only is not None:
        steps.append((f"Only: {', '.join(prefs.only)}", lambda c: c.provider in prefs.only))
    if prefs.ignore:
        steps.append(
            (f"Ignore: {', '.join(prefs.ignore)}", lambda c: c.provider not in prefs.ignore)
        )
    if prefs.zdr:
        steps.append(("ZDR", lambda c: c.zdr))
    if not prefs.allow_fallbacks:
        # Without fallbacks only the ordered providers, or else the pool's lead, may serve.
        allowed = set(prefs.order) or ({copies[0].provider} if copies else set())
        steps.append(
            (
                f"Order: {', '.join(prefs.order) or '-'}, no fallbacks",
                lambda c: c.provider in allowed,
            )
        )
    for label, keep in steps:
        kept = [c for c in copies if keep(c)]
        if not kept:
            return [], label
        copies = kept
    if prefs.order:
        rank = {slug: i for i, slug in enumerate(prefs.order)}
        copies = sorted(copies, key=lambda c: (c.section, rank.get(c.provider, len(rank))))
    return copies, ""


# --- the request's context ---------------------------------------------------------------


def data_region(request) -> str:
    """The OpenRouter domain a request arrived through: ``eu.``/``us.`` hosts, or the
    ``X-Sandbox-Region`` header (``global``, ``europe``/``eu``, ``us``) for a local sandbox."""
    if request is None:
        return "global"
    raw = request.META.get(REGION_HEADER, "").strip().lower()
    if raw:
        region = {"eu": "europe"}.get(raw, raw)
        if region not in REGIONS:
            raise ApiError(400, f"X-Sandbox-Region must be one of: {', '.join(REGIONS)}")
        return region
    host = request.META.get("HTTP_HOST", "").lower()
    if host.startswith("eu."):
        return "europe"
    if host.startswith("us."):
        return "us"
    return "global"


def failing_providers(request) -> frozenset[str]:
    """Endpoint copies made to fail for this request: ``X-Sandbox-Provider-Fault:
    openai, anthropic:shared, azure:byok`` (a provider, or only its shared or BYOK copies)."""
    if request is None:
        return frozenset()
    raw = request.META.get(PROVIDER_FAULT_HEADER, "")
    failing = set()
    for item in raw.split(","):
        name, _, part = item.strip().partition(":")
        if name:
            failing.add(f"{_slug(name)}:{part.strip().lower()}" if part else _slug(name))
    return frozenset(failing)


def _fails(copy: Candidate, failing: frozenset[str]) -> bool:
    part = "byok" if copy.is_byok else "shared"
    return copy.provider in failing or f"{copy.provider}:{part}" in failing


def attempt(copies: list[Candidate], failing: frozenset[str]) -> tuple[Candidate | None, list]:
    """Try the copies in order: the first that does not fail serves. Returns it (None
    when all failed) and the ``provider_responses`` of every attempt."""
    responses = []
    for copy in copies:
        up = not _fails(copy, failing)
        responses.append(
            {
                "status": 200 if up else 503,
                "provider_name": copy.endpoint.provider_name,
                "endpoint_id": copy.endpoint.id,
                "model_permaslug": copy.endpoint.model.permaslug,
                "latency": 120 if up else 40,
                "is_byok": copy.is_byok,
            }
        )
        if up:
            return copy, responses
    return None, responses


__all__ = [
    "ENDPOINTS",
    "REGIONS",
    "Candidate",
    "ModelEndpoint",
    "Preferences",
    "apply_preferences",
    "attempt",
    "data_region",
    "endpoints_of",
    "failing_providers",
    "model_group",
    "pool",
    "preferences",
]

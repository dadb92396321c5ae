"""Charging one inference request: the pre-flight check, the Generation, the day's ledger.

Every inference view calls :func:`authorize` before doing any work (402/403/404 like
upstream, via ``enforcement.py``; it answers the route that serves) and :func:`record`
once the answer is known. Spend lands in ``ActivityRecord`` — the ledger that
``/credits``, key usage and budgets read — so credits and key limits go down with every
call, per served endpoint, with BYOK spend apart (``byok_usage_inference``).
"""

from __future__ import annotations

import math
import secrets
import string
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.sandbox import routing
from apps.sandbox.catalog import MODELS, CatalogModel
from apps.sandbox.content_filters import Screen, merged_rules, screen
from apps.sandbox.enforcement import Inquiry, Refusal, Route, accessible, evaluate
from apps.sandbox.http import ApiError, Caller
from apps.sandbox.models import ActivityRecord, ApiKey, Generation
from apps.sandbox.policy import KeyPolicy
from apps.sandbox.routers import SANDBOX_ALIAS
from apps.sandbox.routing import Candidate, ModelEndpoint, endpoints_of

_ALNUM = string.ascii_letters + string.digits


def new_generation_id(prefix: str = "gen") -> str:
    return f"{prefix}-{int(timezone.now().timestamp())}-{''.join(secrets.choice(_ALNUM) for _ in range(20))}"


def count_tokens(text: str) -> int:
    """Roughly four characters per token, never zero for non-empty text."""
    return max(1, math.ceil(len(text) / 4)) if text else 0


@dataclass(frozen=True)
class Charge:
    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    units: float = 0.0  # images, video seconds, audio seconds, search units

    def cost(self, model: CatalogModel) -> float:
        return round(
            self.prompt_tokens * model.prompt_price
            + self.completion_tokens * model.completion_price
            + self.units * model.unit_price,
            10,
        )

    def prompt_cost(self, model: CatalogModel) -> float:
        return round(self.prompt_tokens * model.prompt_price, 10)


def _token_cost(model: CatalogModel, charge: Charge) -> float:
    """The in-flight estimate: token prices only (no per-unit or per-request fees)."""
    return round(
        charge.prompt_tokens * model.prompt_price
        + charge.completion_tokens * model.completion_price,
        10,
    )


def authorize(
    caller: Caller,
    model: CatalogModel,
    charge: Charge,
    *,
    request=None,
    body: dict | None = None,
) -> Route:
    """Refuse like upstream before serving (``enforcement.evaluate``: region, budgets,
    balance, guardrail access, routing, the in-flight estimate, content filters), else the
    route that serves. ``request`` gives the data region, provider faults and the content
    filters' verdict; ``body`` the ``provider`` preferences."""
    if caller.is_management:
        raise ApiError(
            403,
            "Management keys cannot be used for inference",
            metadata={"error_type": "permission_denied"},
        )
    policy = KeyPolicy(caller.account, caller.key)
    verdict = _screen_of(request, policy, body)
    inquiry = Inquiry(
        model=model,
        region=routing.data_region(request),
        preferences=routing.preferences(body),
        failing=routing.failing_providers(request),
        estimate=_token_cost(model, charge),
        content_block=verdict.refusal() if verdict is not None else None,
    )
    outcome = evaluate(policy, inquiry)
    if isinstance(outcome, Refusal):
        raise outcome.error()
    return outcome


def _screen_of(request, policy: KeyPolicy, body: dict | None) -> Screen | None:
    """The verdict ``content_filters.screened`` left on the request, or one made now (a
    route not wrapped at URL level still blocks, though it cannot redact any more)."""
    verdict = getattr(request, "sandbox_screen", None) if request is not None else None
    if verdict is None and body:
        verdict = screen(body, merged_rules(policy.guardrails))
    return verdict


def allowed_model_ids(caller: Caller, request=None) -> set[str] | None:
    """Model ids the caller's guardrails leave an endpoint for (None = every model)."""
    if caller.is_management:
        return None
    policy = KeyPolicy(caller.account, caller.key)
    region = routing.data_region(request)
    return {m.id for m in MODELS if accessible(policy, m, region)}


def _ledger_add(
    caller: Caller, endpoint: ModelEndpoint, charge: Charge, credits: float, byok: float
) -> None:
    """Upsert today's (key, model endpoint) row: the unique identity is date/key/model/endpoint."""
    key = caller.key
    model = endpoint.model
    match = {
        "account": caller.account,
        "date": timezone.now().date(),
        "key_hash": key.hash,
        "model_permaslug": model.permaslug,
        "endpoint_id": endpoint.id,
    }
    updated = ActivityRecord.objects.filter(**match).update(
        requests=F("requests") + 1,
        usage=F("usage") + credits,
        byok_usage_inference=F("byok_usage_inference") + byok,
        prompt_tokens=F("prompt_tokens") + charge.prompt_tokens,
        completion_tokens=F("completion_tokens") + charge.completion_tokens,
        reasoning_tokens=F("reasoning_tokens") + charge.reasoning_tokens,
        cached_tokens=F("cached_tokens") + charge.cached_tokens,
    )
    if not updated:
        ActivityRecord.objects.create(
            **match,
            user_id=key.creator_user_id,
            workspace_id=key.workspace_id,
            model=model.id,
            provider_name=endpoint.provider_name,
            requests=1,
            usage=credits,
            byok_usage_inference=byok,
            prompt_tokens=charge.prompt_tokens,
            completion_tokens=charge.completion_tokens,
            reasoning_tokens=charge.reasoning_tokens,
            cached_tokens=charge.cached_tokens,
        )


def record(
    request,
    caller: Caller,
    model: CatalogModel,
    charge: Charge,
    *,
    api_type: str,
    body: dict | None = None,
    finish_reason: str | None = "stop",
    streamed: bool = False,
    content_input: dict | None = None,
    content_output: dict | None = None,
    generation_id: str | None = None,
    route: Route | None = None,
) -> Generation:
    """Store the Generation, add to today's ledger row, stamp the key as used.

    ``route`` (from :func:`authorize`) says who served: a BYOK copy is paid on the
    customer's provider account, so it costs no credits (the 5% BYOK fee is waived within
    the monthly allowance, which sandbox traffic never reaches) and its cost is recorded as
    ``byok_usage_inference``. Without a route, the model's primary endpoint served."""
    body = body or {}
    cost = charge.cost(model)
    if route is None:
        primary = Candidate(endpoints_of(model)[0])
        route = Route(primary, routing.attempt([primary], frozenset())[1])
    endpoint, is_byok = route.candidate.endpoint, route.candidate.is_byok
    credits = 0.0 if is_byok else cost
    with transaction.atomic(using=SANDBOX_ALIAS):
        generation = Generation.objects.create(
            id=generation_id or new_generation_id(),
            account=caller.account,
            key_hash=caller.key.hash,
            user_id=caller.key.creator_user_id,
            workspace_id=caller.key.workspace_id,
            model=model.permaslug,
            origin=request.headers.get("HTTP-Referer", ""),
            api_type=api_type,
            provider_name=endpoint.provider_name,
            data_region=route.region,
            total_cost=credits,
            usage=credits,
            upstream_inference_cost=cost,
            is_byok=is_byok,
            tokens_prompt=charge.prompt_tokens,
            tokens_completion=charge.completion_tokens,
            native_tokens_prompt=charge.prompt_tokens,
            native_tokens_completion=charge.completion_tokens,
            native_tokens_reasoning=charge.reasoning_tokens,
            native_tokens_cached=charge.cached_tokens,
            finish_reason=finish_reason,
            native_finish_reason=finish_reason,
            latency=120.0,
            generation_time=350.0,
            streamed=streamed,
            cancelled=False,
            external_user=body.get("user") if isinstance(body.get("user"), str) else None,
            session_id=body.get("session_id") if isinstance(body.get("session_id"), str) else None,
            http_referer=request.headers.get("HTTP-Referer"),
            user_agent=request.headers.get("User-Agent"),
            request_id=request.META.get("SANDBOX_REQUEST_ID"),
            provider_responses=route.attempts,
            content_input=content_input,
            content_output=content_output,
        )
        _ledger_add(caller, endpoint, charge, credits, cost if is_byok else 0.0)
        ApiKey.objects.filter(hash=caller.key.hash).update(last_used_at=timezone.now())
    return generation

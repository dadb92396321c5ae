"""Charging one inference request: the pre-flight check, the Generation, the day's ledger.

Every inference view calls :func:`authorize` before doing any work (402/403 like
upstream, via ``enforcement.py``) and :func:`record` once the answer is known. Spend
lands in ``ActivityRecord`` — the ledger that ``/credits``, key usage and budgets read —
so credits and key limits go down with every call.
"""

from __future__ import annotations

import math
import secrets
import string
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.sandbox.catalog import MODELS, PROVIDERS, CatalogModel
from apps.sandbox.enforcement import applicable_guardrails, check_inference
from apps.sandbox.http import ApiError, Caller
from apps.sandbox.models import ActivityRecord, ApiKey, Generation
from apps.sandbox.routers import SANDBOX_ALIAS

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


def authorize(caller: Caller, model: CatalogModel, cost_estimate: float) -> None:
    """Refuse like upstream before serving: 403 for management keys, guardrails and
    workspace budgets; 402 for the key's limit or an empty balance."""
    if caller.is_management:
        raise ApiError(
            403,
            "Management keys cannot be used for inference",
            metadata={"error_type": "permission_denied"},
        )
    check_inference(caller, model.id, cost_estimate)


def allowed_model_ids(caller: Caller) -> set[str] | None:
    """Model ids the caller's guardrails let through (None = every model)."""
    if caller.is_management:
        return None
    allowed: set[str] | None = None
    for _scope, guardrail in applicable_guardrails(caller.account, caller.key):
        ids = {
            m.id
            for m in MODELS
            if (
                guardrail.allowed_models is None
                or {m.id, m.permaslug} & set(guardrail.allowed_models)
            )
            and not (
                guardrail.ignored_models and {m.id, m.permaslug} & set(guardrail.ignored_models)
            )
            and (guardrail.allowed_providers is None or m.provider in guardrail.allowed_providers)
            and not (guardrail.ignored_providers and m.provider in guardrail.ignored_providers)
        }
        allowed = ids if allowed is None else allowed & ids
    return allowed


def _ledger_add(caller: Caller, model: CatalogModel, charge: Charge, cost: float) -> None:
    """Upsert today's (key, model endpoint) row: the unique identity is date/key/model/endpoint."""
    key = caller.key
    match = {
        "account": caller.account,
        "date": timezone.now().date(),
        "key_hash": key.hash,
        "model_permaslug": model.permaslug,
        "endpoint_id": model.endpoint_id,
    }
    updated = ActivityRecord.objects.filter(**match).update(
        requests=F("requests") + 1,
        usage=F("usage") + cost,
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
            provider_name=PROVIDERS[model.provider].name,
            requests=1,
            usage=cost,
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
) -> Generation:
    """Store the Generation, add to today's ledger row, stamp the key as used."""
    body = body or {}
    cost = charge.cost(model)
    provider = PROVIDERS[model.provider].name
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
            provider_name=provider,
            total_cost=cost,
            usage=cost,
            upstream_inference_cost=cost,
            is_byok=False,
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
            provider_responses=[
                {
                    "status": 200,
                    "provider_name": provider,
                    "endpoint_id": model.endpoint_id,
                    "model_permaslug": model.permaslug,
                    "latency": 120,
                    "is_byok": False,
                }
            ],
            content_input=content_input,
            content_output=content_output,
        )
        _ledger_add(caller, model, charge, cost)
        ApiKey.objects.filter(hash=caller.key.hash).update(last_used_at=timezone.now())
    return generation

"""Calls made with an ordinary (inference) key, never the management key.

The caller hands in :class:`Credentials` built from a key it is entitled to use (the
console-owned key of ``apps.inference``, or a key pasted for one session). Refusals are
mapped to the :class:`~apps.gateway.errors.UpstreamError` family with a message that names
the layer that refused, read from ``error.metadata``: a 402 says whether the key's own limit
or the organisation's credit ran out, a 403 which budget, guardrail or filter blocked it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx
from openrouter import OpenRouter

from apps.gateway import errors
from apps.gateway.core import Credentials, call

T = TypeVar("T")

__all__ = [
    "Credentials",
    "NoCredit",
    "PolicyBlocked",
    "chat",
    "chat_stream",
    "key_credentials",
    "key_current",
    "run",
]


class NoCredit(errors.PaymentRequired):
    """402: the key's limit, or the account's credit, cannot pay for this request."""

    limit_source: str = ""


class PolicyBlocked(errors.Forbidden):
    """403 at inference: a budget, a guardrail, a region rule or a content filter refused."""

    # What refused, as upstream names it: "workspace", "member", "api_key", …
    scope: str = ""
    guardrail_id: str = ""
    budget_id: str = ""
    limit_source: str = ""
    reason: str = ""


_SCOPES = {
    "workspace": "the workspace's budget",
    "workspace_default_member": "the workspace's default guardrail (per-member budget)",
    "workspace_default_key": "the workspace's default guardrail (per-key budget)",
    "member": "your member guardrail's budget",
    "api_key": "this key's guardrail budget",
    "key_limit": "this key's own limit",
}
_REASONS = {
    "content_filter": "a content filter",
    "data_region_not_allowed": "a data-region rule",
    "model_not_allowed": "a guardrail's model allowlist",
    "model_ignored": "a guardrail's ignored models",
    "provider_not_allowed": "a guardrail's provider rules",
    "zdr_required": "a zero-data-retention rule",
}


def key_credentials(base_url: str, secret: str) -> Credentials:
    """Credentials for one ordinary key (the secret stays inside; its repr hides it)."""
    return Credentials(base_url=base_url, api_key=secret)


def _refine(exc: errors.UpstreamError) -> errors.UpstreamError:
    meta = exc.metadata
    common = {
        "status": exc.status,
        "request_id": exc.request_id,
        "upstream_message": exc.upstream_message,
        "retry_after": exc.retry_after,
        "metadata": meta,
    }
    if exc.status == 402:
        source = str(meta.get("limit_source") or "")
        if source == "openrouter_key_limit":
            message = "This key's spending limit is used up; it resets with the key's limit window."
        elif (
            source == "openrouter_in_flight_budget" or meta.get("reason") == "weight_exceeds_budget"
        ):
            message = "The organisation's remaining credit cannot cover this request."
        else:
            message = "The organisation has no OpenRouter credit left: add credits, then retry."
        refined = NoCredit(message, **common)
        refined.limit_source = source
        return refined
    if exc.status == 403 and (meta.get("scope") or meta.get("limit_source") or meta.get("reason")):
        scope = str(meta.get("scope") or "")
        reason = str(meta.get("reason") or "")
        layer = _SCOPES.get(scope) or _REASONS.get(reason) or "a policy of this organisation"
        message = f"Blocked by {layer}."
        if meta.get("guardrail_id"):
            message += f" Guardrail {meta['guardrail_id']}."
        if meta.get("budget_id"):
            message += f" Budget {meta['budget_id']}."
        refined = PolicyBlocked(message, **common)
        refined.scope = scope
        refined.reason = reason
        refined.guardrail_id = str(meta.get("guardrail_id") or "")
        refined.budget_id = str(meta.get("budget_id") or "")
        refined.limit_source = str(meta.get("limit_source") or "")
        return refined
    if exc.status == 401:
        return errors.AuthenticationFailed(
            "OpenRouter rejected this key: it may have been disabled, deleted or rotated.",
            **common,
        )
    return exc


def run(creds: Credentials, operation: Callable[[OpenRouter], T], *, idempotent: bool = True) -> T:
    """``core.call`` for an ordinary key, with 401/402/403 refined as above."""
    try:
        return call(creds, operation, idempotent=idempotent)
    except errors.UpstreamError as exc:
        raise _refine(exc) from None


def key_current(creds: Credentials) -> Any:
    """``GET /key`` for this key: its label, limits, workspace and whether it is management."""
    return run(creds, lambda sdk: sdk.api_keys.get_current_key_metadata()).data


def chat(creds: Credentials, *, model: str, messages: list[dict], **params: Any) -> Any:
    """One chat completion (``POST /chat/completions``), answered whole."""
    return run(
        creds,
        lambda sdk: sdk.chat.send(model=model, messages=messages, stream=False, **params),
        idempotent=False,
    )


def chat_stream(
    creds: Credentials, *, model: str, messages: list[dict], **params: Any
) -> Iterator[Any]:
    """A streamed chat completion: yields the SDK's ``ChatStreamChunk`` objects as they come.

    A refusal before the first chunk raises like :func:`run`; a connection that drops
    mid-stream raises :class:`UpstreamUnavailable`; an error chunk (``chunk.error``) upstream
    sends mid-stream raises :class:`UpstreamError` after the chunks before it were yielded.
    """
    stream = run(
        creds,
        lambda sdk: sdk.chat.send(model=model, messages=messages, stream=True, **params),
        idempotent=False,
    )
    try:
        with stream:
            for chunk in stream:
                error = chunk.error
                if error is not None:
                    raise errors.UpstreamError(
                        "The answer stopped: the provider failed mid-stream.",
                        status=502,
                        upstream_message=str(error.message)[:300],
                    )
                yield chunk
    except httpx.TimeoutException:
        raise errors.UpstreamTimeout() from None
    except httpx.TransportError:
        raise errors.UpstreamUnavailable(
            "The connection to OpenRouter dropped mid-answer."
        ) from None

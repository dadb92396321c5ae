"""Running one OpenRouter call: the SDK client, retries, and error mapping.

Only the gateway package imports the ``openrouter`` SDK. Everything above it gets
SDK response models back, or an :class:`~apps.gateway.errors.UpstreamError`.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

import httpx
from django.conf import settings
from django.views.decorators.debug import sensitive_variables
from openrouter import OpenRouter
from openrouter import errors as sdk_errors
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from apps.core.fields import reveal
from apps.gateway import errors
from apps.gateway.retry import RETRYABLE_STATUSES, SAFE_FOR_WRITES, backoff
from apps.gateway.transport import http_client

if TYPE_CHECKING:
    from apps.accounts.models import Organisation

T = TypeVar("T")

__all__ = ["RETRYABLE_STATUSES", "SAFE_FOR_WRITES", "Credentials", "call", "credentials_for"]


@dataclass(frozen=True)
class Credentials:
    base_url: str
    api_key: str = field(repr=False)


def credentials_for(organisation: Organisation) -> Credentials:
    if not organisation.management_key:
        raise errors.NotConnected()
    return Credentials(base_url=organisation.base_url, api_key=reveal(organisation.management_key))


@lru_cache(maxsize=256)
def _sdk(base_url: str, api_key: str, transport_key: tuple) -> OpenRouter:
    return OpenRouter(
        api_key=api_key,
        server_url=base_url.rstrip("/"),
        client=http_client(),
        async_client=_async_placeholder(),
        retry_config=None,  # the gateway retries, honouring Retry-After
        http_referer=settings.OPENROUTER_APP_URL,
        x_open_router_title=settings.OPENROUTER_APP_TITLE,
    )


@lru_cache(maxsize=1)
def _async_placeholder() -> httpx.AsyncClient:
    # The console is synchronous; one shared async client spares the SDK building its own.
    return httpx.AsyncClient()


def sdk_for(creds: Credentials) -> OpenRouter:
    transport_key = (
        settings.OPENROUTER_TRANSPORT,
        settings.OPENROUTER_CONNECT_TIMEOUT,
        settings.OPENROUTER_READ_TIMEOUT,
    )
    return _sdk(creds.base_url, creds.api_key, transport_key)


# --- error mapping ------------------------------------------------------------------------


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        if parsed is None:
            return None
        return max(0.0, parsed.timestamp() - time.time())


def _upstream_message(exc: sdk_errors.OpenRouterError) -> str:
    data = getattr(exc, "data", None)
    if data is not None and getattr(data, "error", None) is not None:
        return str(data.error.message)
    try:
        body = json.loads(exc.body)
        return str(body["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return ""


def _upstream_metadata(exc: sdk_errors.OpenRouterError) -> dict:
    """``error.metadata`` of the body (a dict of plain values), or ``{}``."""
    try:
        metadata = json.loads(exc.body)["error"].get("metadata")
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}
    return metadata if isinstance(metadata, dict) else {}


def map_sdk_error(exc: sdk_errors.OpenRouterError) -> errors.UpstreamError:
    status = exc.status_code
    headers = exc.headers
    cls = errors.error_class_for(status)
    return cls(
        status=status,
        request_id=headers.get("x-request-id") or headers.get("cf-ray") or "",
        upstream_message=_upstream_message(exc)[:300],
        retry_after=parse_retry_after(headers.get("retry-after")),
        metadata=_upstream_metadata(exc),
    )


# Every local of every frame below (the SDK, httpx: they hold the Authorization header) is
# hidden from error reports, should a defect there ever raise something unmapped.
@sensitive_variables()
def _attempt(creds: Credentials, operation: Callable[[OpenRouter], T]) -> T:
    # Errors are raised "from None": the SDK's exceptions hold the raw request, whose
    # Authorization header must never reach a log or a traceback.
    try:
        return operation(sdk_for(creds))
    except sdk_errors.ResponseValidationError:
        raise errors.UpstreamError(
            "OpenRouter answered in a shape the console does not understand."
        ) from None
    except sdk_errors.OpenRouterError as exc:
        raise map_sdk_error(exc) from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, UnicodeError):
        # A malformed base URL (bad IDNA, an unclosed IPv6 bracket…) fails inside httpx
        # before anything is sent; the key must not ride along in a traceback.
        raise errors.InvalidAddress(field="base_url") from None
    except (httpx.ConnectError, httpx.ConnectTimeout):
        raise errors.UpstreamUnreachable(
            "Could not reach OpenRouter at the configured address."
        ) from None
    except httpx.TimeoutException:
        raise errors.UpstreamTimeout() from None
    except (httpx.TransportError, sdk_errors.NoResponseError):
        raise errors.UpstreamUnavailable(
            "Could not reach OpenRouter at the configured address."
        ) from None


# --- retries ------------------------------------------------------------------------------


def _retryable(idempotent: bool) -> Callable[[BaseException], bool]:
    def check(exc: BaseException) -> bool:
        if not isinstance(exc, errors.UpstreamError) or exc.status is None:
            return False
        allowed = RETRYABLE_STATUSES if idempotent else SAFE_FOR_WRITES
        if exc.status not in allowed:
            return False
        # Upstream asked for a longer pause than we may hold a request for: give up now
        # and let the caller (a task, or the person) come back later.
        return exc.retry_after is None or exc.retry_after <= settings.OPENROUTER_BACKOFF_CAP

    return check


def backoff_seconds(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    retry_after = exc.retry_after if isinstance(exc, errors.UpstreamError) else None
    return backoff(
        state.attempt_number - 1,
        retry_after=retry_after,
        base=0.5,
        cap=settings.OPENROUTER_BACKOFF_CAP,
    )


def sleep(seconds: float) -> None:
    time.sleep(seconds)


# --- background mode ----------------------------------------------------------------------

# Set while a sync runs: called before every attempt (to count calls and renew the lock).
_observer: ContextVar[Callable[[], None] | None] = ContextVar("gateway_observer", default=None)


@contextmanager
def background(observer: Callable[[], None]) -> Iterator[None]:
    """Calls made inside run once each and report every attempt to ``observer``.

    A worker never sleeps on upstream's behalf: the first failure propagates and the task
    reschedules itself (honouring Retry-After) so the worker slot serves other work.
    """
    token = _observer.set(observer)
    try:
        yield
    finally:
        _observer.reset(token)


def _observed_attempt(creds: Credentials, operation: Callable[[OpenRouter], T]) -> T:
    observer = _observer.get()
    if observer is not None:
        observer()
    return _attempt(creds, operation)


def call(creds: Credentials, operation: Callable[[OpenRouter], T], *, idempotent: bool = True) -> T:
    """Run ``operation(sdk)`` with bounded retries; raise only :class:`UpstreamError`."""
    attempts = 1 if _observer.get() is not None else max(1, settings.OPENROUTER_MAX_ATTEMPTS)
    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=backoff_seconds,
        retry=retry_if_exception(_retryable(idempotent)),
        sleep=lambda seconds: sleep(seconds),  # looked up at call time so tests can observe it
        reraise=True,
    )
    return retrying(_observed_attempt, creds, operation)

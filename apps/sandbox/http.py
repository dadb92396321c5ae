"""The sandbox's HTTP conventions: auth, errors, faults, JSON and pagination.

Every route is a function view wrapped by :func:`endpoint`, which answers the way
OpenRouter does: bearer auth with management vs ordinary keys, the error body
``{"error": {"code", "message", "metadata"}}``, an ``X-Request-Id`` on every response.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from apps.sandbox import faults
from apps.sandbox.models import Account, ApiKey, secret_hash

logger = logging.getLogger("console.sandbox")

DEFAULT_MESSAGES = {
    400: "Invalid request parameters",
    401: "Missing Authentication header",
    402: "Insufficient credits. Add more using https://openrouter.ai/credits",
    403: "Only management keys can perform this operation",
    404: "Resource not found",
    405: "Method not allowed",
    408: "Operation timed out. Please try again later.",
    409: "Resource conflict. Please try again later.",
    413: "Payload too large",
    429: "Rate limit exceeded",
    500: "Internal Server Error",
    502: "Provider returned error",
    503: "Service temporarily unavailable",
    504: "Gateway timeout",
    529: "Provider overloaded",
}
ERROR_TYPES = {
    400: "invalid_request",
    401: "authentication",
    402: "payment_required",
    403: "permission_denied",
    404: "not_found",
    408: "timeout",
    429: "rate_limit_exceeded",
    502: "provider_unavailable",
    503: "provider_unavailable",
    529: "provider_overloaded",
}


class ApiError(Exception):
    """Raise anywhere in a sandbox view to answer with OpenRouter's error body."""

    def __init__(
        self,
        status: int,
        message: str | None = None,
        *,
        metadata: dict | None = None,
        headers: dict | None = None,
    ) -> None:
        self.status = status
        self.message = message or DEFAULT_MESSAGES.get(status, "Error")
        self.metadata = metadata
        self.headers = headers or {}
        super().__init__(self.message)


def error_response(exc: ApiError) -> JsonResponse:
    error: dict[str, Any] = {"code": exc.status, "message": exc.message}
    metadata = (
        exc.metadata
        if exc.metadata is not None
        else ({"error_type": ERROR_TYPES[exc.status]} if exc.status in ERROR_TYPES else None)
    )
    if metadata is not None:
        error["metadata"] = metadata
    response = JsonResponse({"error": error}, status=exc.status)
    for name, value in exc.headers.items():
        response[name] = value
    return response


def rate_limit_error(retry_after: int | None) -> ApiError:
    wait = 1 if retry_after is None else retry_after
    reset_ms = int((time.time() + wait) * 1000)
    return ApiError(
        429,
        headers={
            "Retry-After": str(wait),
            "X-RateLimit-Limit": "50",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(reset_ms),
        },
    )


def fault_error(fault: faults.Fault) -> ApiError | None:
    if fault.timeout_seconds is not None and fault.status is None:
        return ApiError(408)
    if fault.status is None:
        return None
    if fault.status == 429:
        return rate_limit_error(fault.retry_after)
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
    return ApiError(fault.status, headers=headers)


def _run_fault(spec: str, request: HttpRequest) -> None:
    try:
        fault = faults.parse_fault(spec)
    except faults.FaultSpecError as exc:
        raise ApiError(400, f"X-Sandbox-Fault: {exc}") from None
    if fault.stream_cut is not None or fault.stream_error is not None:
        request.sandbox_fault = fault  # read by streams.sse once the stream is built
    if fault.timeout_after_commit is not None:
        request.sandbox_lost_answer = fault.timeout_after_commit  # the view runs first
    faults.apply_delay(fault)
    error = fault_error(fault)
    if error is not None:
        raise error


def _account_fault(account: Account) -> str:
    if not account.fault:
        return ""
    if account.fault_until is not None and account.fault_until <= timezone.now():
        return ""
    return account.fault


@dataclass(frozen=True)
class Caller:
    account: Account
    key: ApiKey

    @property
    def is_management(self) -> bool:
        return self.key.is_management


def _authenticate(request: HttpRequest) -> Caller | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    key = (
        ApiKey.objects.select_related("account", "workspace")
        .filter(hash=secret_hash(token.strip()), deleted_at__isnull=True)
        .first()
    )
    if key is None:
        raise ApiError(401, "No auth credentials found")
    if key.disabled:
        raise ApiError(401, "API key is disabled")
    if key.is_expired:
        raise ApiError(401, "API key has expired")
    return Caller(account=key.account, key=key)


def authenticate_quietly(request: HttpRequest) -> Caller | None:
    """The caller of a request, or None when its key is missing or unusable (the
    endpoint wrapper answers those; a pre-processing step only needs to know)."""
    try:
        return _authenticate(request)
    except ApiError:
        return None


def endpoint(*, auth: str = "management", methods: tuple[str, ...] = ("GET",)):
    """Wrap a sandbox view. ``auth``: ``management``, ``key`` (any key), ``optional``."""

    def decorator(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise ApiError(405)
                _refuse_nul(request, kwargs)
                header_fault = request.META.get(faults.FAULT_HEADER, "")
                if header_fault:
                    _run_fault(header_fault, request)
                caller = _authenticate(request)
                if caller is None and auth != "optional":
                    raise ApiError(401)
                if caller is not None:
                    account_fault = _account_fault(caller.account)
                    if account_fault:
                        _run_fault(account_fault, request)
                if auth == "management" and not caller.is_management:
                    raise ApiError(403)
                response = view(request, caller, *args, **kwargs)
                lost = getattr(request, "sandbox_lost_answer", None)
                if lost is not None:
                    # The work is done and committed; the caller never hears of it.
                    time.sleep(lost)
                    raise ApiError(408)
            except ApiError as exc:
                response = error_response(exc)
            except DataError:
                # A value the database cannot hold (an overflowing number, say) is the
                # caller's mistake, as upstream treats it: 400, not 500.
                response = error_response(ApiError(400))
            except Exception:
                # Like upstream: a bug answers 500 with the error body, never a debug page.
                logger.exception("sandbox error on %s %s", request.method, request.path)
                response = error_response(ApiError(500))
            response["X-Request-Id"] = f"req_{secrets.token_hex(8)}"
            return response

        wrapper.sandbox_auth = auth
        wrapper.sandbox_methods = methods
        return wrapper

    return decorator


# --- request parsing ----------------------------------------------------------------------


def _refuse_nul(request: HttpRequest, path_kwargs: dict) -> None:
    """NUL characters are never valid input (and PostgreSQL cannot store them)."""
    for name, value in [*request.GET.items(), *path_kwargs.items()]:
        if "\x00" in str(value) or "\x00" in name:
            raise ApiError(400, f"{name} contains an invalid character")


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        raw = request.body
    except RequestDataTooBig:
        raise ApiError(413, "Request body is too large") from None
    if not raw:
        raise ApiError(400, "Request body is required")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object")
    if _has_nul(body):
        raise ApiError(400, "Request body contains an invalid character")
    return body


def query_int(
    request: HttpRequest, name: str, default: int, *, low: int, high: int | None = None
) -> int:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be an integer") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ApiError(400, f"{name} must be {bound}")
    return value


def query_bool(request: HttpRequest, name: str, default: bool = False) -> bool:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise ApiError(400, f"{name} must be true or false")


def offset_limit(
    request: HttpRequest, *, default_limit: int = 50, max_limit: int = 100
) -> tuple[int, int]:
    offset = query_int(request, "offset", 0, low=0)
    limit = query_int(request, "limit", default_limit, low=1, high=max_limit)
    return offset, limit


# --- body field validation ----------------------------------------------------------------

_MISSING = object()


def field(
    body: dict,
    name: str,
    kind: type | tuple,
    *,
    required: bool = False,
    nullable: bool = False,
    choices: tuple | None = None,
    default: Any = _MISSING,
) -> Any:
    """Read and type-check one body field; a bad value is a 400 naming the field."""
    if name not in body:
        if required:
            raise ApiError(400, f"{name} is required")
        return None if default is _MISSING else default
    value = body[name]
    if value is None:
        if nullable:
            return None
        raise ApiError(400, f"{name} must not be null")
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if bool not in kinds and isinstance(value, bool):
        raise ApiError(400, f"{name} must be of type {kinds[0].__name__}")
    if not isinstance(value, kinds):
        raise ApiError(400, f"{name} must be of type {kinds[0].__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ApiError(400, f"{name} must be a finite number")
    if choices is not None and value not in choices:
        raise ApiError(400, f"{name} must be one of: {', '.join(map(str, choices))}")
    return value


def ok(data: Any, status: int = 200, **extra: Any) -> JsonResponse:
    return JsonResponse({"data": data, **extra}, status=status)


def iso(dt) -> str | None:
    return dt.isoformat() if dt is not None else None

"""Calls on the analytics API: ``GET /analytics/meta`` and ``POST /analytics/query``.

The SDK (1.3.84) models a query row as an object with no declared fields, so parsing
the response through it drops every row's content. ``analytics_query`` therefore sends
the request on the gateway's own pooled HTTP client and reads the JSON itself, while
still going through :func:`~apps.gateway.core.call` for retries and error mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from openrouter import errors as sdk_errors

from apps.gateway import errors
from apps.gateway.core import Credentials, call, credentials_for
from apps.gateway.transport import http_client

if TYPE_CHECKING:
    from apps.accounts.models import Organisation


def iso_seconds(moment: datetime) -> str:
    """Upstream rejects ``time_range`` values without seconds."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class AnalyticsResult:
    """One analytics answer: its rows (plain dicts: the SDK models no row fields)."""

    rows: list[dict[str, Any]]
    truncated: bool = False
    warnings: list[str] = field(default_factory=list)


def query_body(
    *,
    metrics: list[str],
    dimensions: list[str] | None = None,
    granularity: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    filters: list[dict[str, Any]] | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"metrics": list(metrics)}
    if dimensions:
        body["dimensions"] = list(dimensions)
    if granularity:
        body["granularity"] = granularity
    if start is not None and end is not None:
        body["time_range"] = {"start": iso_seconds(start), "end": iso_seconds(end)}
    if filters:
        body["filters"] = filters
    if limit is not None:
        body["limit"] = limit
    return body


def _post_json(creds: Credentials, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = http_client().post(
        f"{creds.base_url.rstrip('/')}{path}",
        json=body,
        headers={
            "Authorization": f"Bearer {creds.api_key}",
            "HTTP-Referer": settings.OPENROUTER_APP_URL,
            "X-OpenRouter-Title": settings.OPENROUTER_APP_TITLE,
        },
    )
    if response.status_code >= 400:
        # Raised as the SDK's own error so core maps it (status, Retry-After, request id).
        raise sdk_errors.OpenRouterDefaultError("API error occurred", response)
    try:
        return response.json()
    except ValueError:
        raise errors.UpstreamError(
            "OpenRouter answered in a shape the console does not understand."
        ) from None


def analytics_query(organisation: Organisation, **query: Any) -> AnalyticsResult:
    """Run one analytics query.

    A read, so it is retried like any idempotent call even though it is a POST.
    """
    creds = credentials_for(organisation)
    body = query_body(**query)
    payload = call(creds, lambda _sdk: _post_json(creds, "/analytics/query", body))
    return analytics_result(payload)


def analytics_result(payload: dict[str, Any]) -> AnalyticsResult:
    """The useful part of a query response (``{"data": {"data": [...], "metadata": ...}}``)."""
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise errors.UpstreamError(
            "OpenRouter answered in a shape the console does not understand."
        )
    metadata = data.get("metadata") or {}
    return AnalyticsResult(
        rows=[row for row in data["data"] if isinstance(row, dict)],
        truncated=bool(metadata.get("truncated", False)),
        warnings=[str(w) for w in data.get("warnings") or []],
    )

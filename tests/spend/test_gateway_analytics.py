"""Gateway unit tests for the analytics calls (respx stands in for upstream)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
import respx

from apps.gateway import analytics
from apps.gateway.errors import BadRequest, RateLimited, UpstreamError
from tests.spend.samples import RECORDED_QUERY_RESPONSE

pytestmark = pytest.mark.django_db

BASE = "https://upstream.test/api/v1"


@pytest.fixture
def remote_org(organisation, settings):
    settings.OPENROUTER_TRANSPORT = "http"
    organisation.base_url = BASE
    organisation.save()
    return organisation


@respx.mock
def test_query_sends_the_contract_body_and_keeps_every_row_field(remote_org):
    route = respx.post(f"{BASE}/analytics/query").mock(
        return_value=httpx.Response(200, json=RECORDED_QUERY_RESPONSE)
    )
    answer = analytics.analytics_query(
        remote_org,
        metrics=["total_usage"],
        dimensions=["api_key_id", "model"],
        granularity="day",
        start=datetime(2026, 1, 1, tzinfo=UTC),
        end=datetime(2026, 1, 30, 23, 59, 59, tzinfo=UTC),
        limit=1000,
    )
    body = json.loads(route.calls[0].request.content)
    assert body["time_range"] == {"start": "2026-01-01T00:00:00Z", "end": "2026-01-30T23:59:59Z"}
    assert body["dimensions"] == ["api_key_id", "model"] and body["granularity"] == "day"
    assert route.calls[0].request.headers["Authorization"].startswith("Bearer ")
    assert answer.rows[0]["request_count"] == "6" and answer.truncated is False


@respx.mock
def test_query_maps_429_with_retry_after_and_retries_after_waiting(remote_org, gateway_sleeps):
    respx.post(f"{BASE}/analytics/query").mock(
        side_effect=[
            httpx.Response(
                429,
                headers={"Retry-After": "2"},
                json={"error": {"code": 429, "message": "Rate limit exceeded"}},
            ),
            httpx.Response(200, json=RECORDED_QUERY_RESPONSE),
        ]
    )
    answer = analytics.analytics_query(remote_org, metrics=["request_count"])
    assert len(answer.rows) == 4
    assert gateway_sleeps and gateway_sleeps[0] >= 2


@respx.mock
def test_query_maps_400_and_endless_429(remote_org, gateway_sleeps):
    respx.post(f"{BASE}/analytics/query").mock(
        return_value=httpx.Response(
            400, json={"error": {"code": 400, "message": "dimensions: at most 2"}}
        )
    )
    with pytest.raises(BadRequest) as exc:
        analytics.analytics_query(remote_org, metrics=["request_count"])
    assert "at most 2" in exc.value.user_message
    respx.post(f"{BASE}/analytics/query").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "1"})
    )
    with pytest.raises(RateLimited):
        analytics.analytics_query(remote_org, metrics=["request_count"])


def test_a_malformed_answer_is_an_upstream_error():
    with pytest.raises(UpstreamError):
        analytics.analytics_result({"data": {"rows": []}})


@respx.mock
def test_breakdown_asks_for_two_dimensions_and_splits_a_truncated_answer(remote_org):
    from apps.spend.services.sync import activity_window, key_breakdown_fetch

    bodies = []

    def answer(request):
        body = json.loads(request.content)
        bodies.append(body)
        if len(body["dimensions"]) > 2:
            return httpx.Response(
                400, json={"error": {"code": 400, "message": "at most 2 dimensions"}}
            )
        whole_window = (
            body["time_range"]["start"][:10] == days[0].isoformat()
            and body["time_range"]["end"][:10] == days[-1].isoformat()
        )
        row = {
            "date__day": body["time_range"]["start"],
            "api_key_id": "a" * 64,
            "model": "m",
            "request_count": "1",
            "total_usage": 0.5,
        }
        return httpx.Response(
            200,
            json={
                "data": {
                    "data": [row],
                    "metadata": {"query_time_ms": 1, "row_count": 1, "truncated": whole_window},
                }
            },
        )

    days = activity_window()
    respx.post(f"{BASE}/analytics/query").mock(side_effect=answer)
    rows = key_breakdown_fetch(remote_org, days)
    assert all(b["dimensions"] == ["api_key_id", "model"] for b in bodies)  # the contract's maximum
    assert "limit" not in bodies[0]
    assert len(bodies) == 3  # truncated, then two halves
    assert len(rows) == 2
    assert all(b["time_range"]["end"].endswith("23:59:59Z") for b in bodies)

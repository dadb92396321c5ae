"""Gateway unit tests (respx mocks the wire): retries, Retry-After, error mapping, logging."""

from __future__ import annotations

import logging

import httpx
import pytest
import respx

from apps.gateway import errors
from apps.gateway.account import credits_get, management_key_check
from apps.gateway.core import Credentials, call
from apps.gateway.keys import key_create

BASE = "https://upstream.test/api/v1"
SECRET = "sk-or-v1-" + "f" * 64


@pytest.fixture(autouse=True)
def _http_transport(settings):
    settings.OPENROUTER_TRANSPORT = "http"
    settings.OPENROUTER_MAX_ATTEMPTS = 4
    settings.OPENROUTER_BACKOFF_CAP = 30.0
    settings.OPENROUTER_ALLOWED_BASE_URLS = [BASE]  # the wire is mocked for this address


@pytest.fixture
def org():
    class Org:  # the gateway only reads these two attributes
        base_url = BASE
        management_key = SECRET

    return Org()


def error_body(status: int, message: str) -> dict:
    return {"error": {"code": status, "message": message}}


CREDITS = {"data": {"total_credits": 10.0, "total_usage": 2.5}}
USAGE = {
    f"{prefix}{window}": 0.0
    for prefix in ("usage", "byok_usage")
    for window in ("", "_daily", "_weekly", "_monthly")
}


@respx.mock
def test_retries_429_after_the_retry_after_it_was_given(org, gateway_sleeps):
    route = respx.get(f"{BASE}/credits").mock(
        side_effect=[
            httpx.Response(
                429, json=error_body(429, "Rate limit exceeded"), headers={"Retry-After": "3"}
            ),
            httpx.Response(200, json=CREDITS),
        ]
    )
    assert credits_get(org).total_usage == 2.5
    assert route.call_count == 2
    assert len(gateway_sleeps) == 1
    assert 3.0 <= gateway_sleeps[0] <= 3.25  # Retry-After plus a little jitter, never less


@respx.mock
def test_gives_up_at_once_when_retry_after_exceeds_the_cap(org, gateway_sleeps, settings):
    settings.OPENROUTER_BACKOFF_CAP = 5.0
    route = respx.get(f"{BASE}/credits").mock(
        return_value=httpx.Response(
            429, json=error_body(429, "Rate limit exceeded"), headers={"Retry-After": "60"}
        )
    )
    with pytest.raises(errors.RateLimited) as caught:
        credits_get(org)
    assert route.call_count == 1
    assert gateway_sleeps == []
    assert caught.value.retry_after == 60.0


@pytest.mark.parametrize("status", [502, 503, 504, 529])
@respx.mock
def test_transient_statuses_are_retried_a_bounded_number_of_times(org, gateway_sleeps, status):
    route = respx.get(f"{BASE}/credits").mock(
        return_value=httpx.Response(status, json=error_body(status, "down"))
    )
    with pytest.raises(errors.UpstreamUnavailable) as caught:
        credits_get(org)
    assert route.call_count == 4
    assert len(gateway_sleeps) == 3
    assert all(0 <= wait <= 30.0 for wait in gateway_sleeps)
    assert caught.value.status == status


@respx.mock
def test_500_is_not_retried(org, gateway_sleeps):
    route = respx.get(f"{BASE}/credits").mock(
        return_value=httpx.Response(500, json=error_body(500, "boom"))
    )
    with pytest.raises(errors.UpstreamUnavailable):
        credits_get(org)
    assert route.call_count == 1


@respx.mock
def test_a_write_is_not_resent_after_a_502(org, gateway_sleeps):
    route = respx.post(f"{BASE}/keys").mock(
        return_value=httpx.Response(502, json=error_body(502, "bad gateway"))
    )
    with pytest.raises(errors.UpstreamUnavailable):
        key_create(org, name="x")
    assert route.call_count == 1


@respx.mock
def test_a_write_is_resent_after_a_429(org, gateway_sleeps):
    key = {
        "hash": "a" * 64,
        "name": "x",
        "label": "sk-or-v1-abc...def",
        "disabled": False,
        "limit": None,
        "limit_remaining": None,
        "limit_reset": None,
        "include_byok_in_limit": False,
        **USAGE,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": None,
        "last_used_at": None,
        "creator_user_id": None,
        "external_user": None,
        "workspace_id": "ws",
    }
    route = respx.post(f"{BASE}/keys").mock(
        side_effect=[
            httpx.Response(429, json=error_body(429, "slow down"), headers={"Retry-After": "0"}),
            httpx.Response(201, json={"data": key, "key": "sk-or-v1-" + "1" * 64}),
        ]
    )
    _data, secret = key_create(org, name="x")
    assert secret.endswith("1" * 8)
    assert route.call_count == 2


@pytest.mark.parametrize(
    ("status", "exc_type", "phrase"),
    [
        (400, errors.BadRequest, "rejected the request"),
        (401, errors.AuthenticationFailed, "management key was rejected"),
        (402, errors.PaymentRequired, "credits"),
        (403, errors.Forbidden, "not allowed"),
        (404, errors.NotFound, "no such object"),
        (409, errors.Conflict, "conflict"),
        (429, errors.RateLimited, "rate-limiting"),
        (500, errors.UpstreamUnavailable, "unavailable"),
    ],
)
@respx.mock
def test_errors_map_to_the_family_with_message_status_and_request_id(
    org, status, exc_type, phrase, settings
):
    settings.OPENROUTER_MAX_ATTEMPTS = 1
    respx.get(f"{BASE}/credits").mock(
        return_value=httpx.Response(
            status, json=error_body(status, "upstream words"), headers={"X-Request-Id": "req_123"}
        )
    )
    with pytest.raises(exc_type) as caught:
        credits_get(org)
    exc = caught.value
    assert exc.status == status
    assert exc.request_id == "req_123"
    assert phrase in exc.user_message
    assert "req_123" in exc.user_message
    assert SECRET not in exc.user_message


@respx.mock
def test_a_non_json_error_body_still_maps(org, settings):
    settings.OPENROUTER_MAX_ATTEMPTS = 1
    respx.get(f"{BASE}/credits").mock(
        return_value=httpx.Response(503, text="<html>bad gateway</html>")
    )
    with pytest.raises(errors.UpstreamUnavailable) as caught:
        credits_get(org)
    assert caught.value.status == 503


@respx.mock
def test_timeout_maps_to_upstream_timeout(org):
    respx.get(f"{BASE}/credits").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(errors.UpstreamTimeout) as caught:
        credits_get(org)
    assert "did not answer in time" in caught.value.user_message


@respx.mock
def test_connection_failure_maps_to_unavailable(org):
    respx.get(f"{BASE}/credits").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(errors.UpstreamUnavailable):
        credits_get(org)


@respx.mock
def test_unexpected_shape_maps_to_upstream_error(org):
    respx.get(f"{BASE}/credits").mock(return_value=httpx.Response(200, json={"data": {"nope": 1}}))
    with pytest.raises(errors.UpstreamError) as caught:
        credits_get(org)
    assert "shape" in caught.value.user_message


@respx.mock
def test_non_management_key_is_refused_at_check():
    body = {
        "data": {
            "label": "sk-or-v1-abc...def",
            "limit": None,
            "limit_remaining": None,
            "limit_reset": None,
            "include_byok_in_limit": False,
            **USAGE,
            "is_free_tier": False,
            "is_management_key": False,
            "is_provisioning_key": False,
            "creator_user_id": None,
            "organization_id": None,
            "workspace_id": None,
            "rate_limit": {"requests": 1, "interval": "10s", "note": "x"},
            "free_model_daily_requests": {"limit": 1, "used": 0, "remaining": 1},
            "allowed_data_regions": [],
            "budgets": [],
            "effective_budget": None,
        }
    }
    respx.get(f"{BASE}/key").mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(errors.NotManagementKey):
        management_key_check(BASE, SECRET)


@respx.mock
def test_logs_method_path_status_and_ms_but_never_the_key(org, caplog):
    respx.get(f"{BASE}/credits").mock(return_value=httpx.Response(200, json=CREDITS))
    with caplog.at_level(logging.DEBUG):
        credits_get(org)
    lines = [r.getMessage() for r in caplog.records if r.name == "console.gateway"]
    assert any("GET /api/v1/credits 200" in line and "ms" in line for line in lines)
    assert SECRET not in caplog.text


@respx.mock
def test_sends_bearer_key_to_configured_base_url():
    route = respx.get(f"{BASE}/credits").mock(return_value=httpx.Response(200, json=CREDITS))
    call(Credentials(BASE, SECRET), lambda sdk: sdk.credits.get_credits())
    assert route.calls.last.request.headers["authorization"] == f"Bearer {SECRET}"


def test_credentials_repr_hides_the_key():
    assert SECRET not in repr(Credentials(BASE, SECRET))

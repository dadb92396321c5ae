"""The sandbox core: auth, errors, keys, credits, activity, workspaces, faults, isolation."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.sandbox.models import ApiKey, secret_hash

pytestmark = pytest.mark.django_db

BASE = "/sandbox/api/v1"


def api(secret: str | None = None, **headers) -> Client:
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    if secret:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return Client(**extra)


def test_missing_key_is_401_with_openrouter_error_body(sandbox_account):
    response = api().get(f"{BASE}/credits")
    assert response.status_code == 401
    body = response.json()
    assert body["error"]["code"] == 401
    assert body["error"]["message"] == "Missing Authentication header"
    assert response["X-Request-Id"].startswith("req_")


def test_unknown_key_is_401(sandbox_account):
    response = api("sk-or-v1-" + "0" * 64).get(f"{BASE}/credits")
    assert response.status_code == 401


def test_ordinary_key_is_403_on_management_routes(sandbox_account):
    _account, secret = sandbox_account
    created = api(secret).post(
        f"{BASE}/keys", {"name": "inference"}, content_type="application/json"
    )
    ordinary = created.json()["key"]
    response = api(ordinary).get(f"{BASE}/keys")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Only management keys can perform this operation"
    # ...but it may read its own /key
    assert api(ordinary).get(f"{BASE}/key").json()["data"]["is_management_key"] is False


def test_secret_is_returned_once_and_only_its_hash_is_stored(sandbox_account):
    _account, secret = sandbox_account
    response = api(secret).post(
        f"{BASE}/keys",
        {"name": "ci-runner", "limit": 10, "limit_reset": "daily"},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    plaintext = body["key"]
    assert plaintext.startswith("sk-or-v1-")
    assert body["data"]["hash"] == secret_hash(plaintext)
    assert body["data"]["label"] == f"sk-or-v1-{plaintext[9:12]}...{plaintext[-3:]}"
    again = api(secret).get(f"{BASE}/keys/{body['data']['hash']}").json()
    assert "key" not in again
    assert plaintext not in str(list(ApiKey.objects.values()))


def test_key_object_has_explicit_nulls(sandbox_account):
    _account, secret = sandbox_account
    data = (
        api(secret)
        .post(f"{BASE}/keys", {"name": "n"}, content_type="application/json")
        .json()["data"]
    )
    for name in (
        "limit",
        "limit_remaining",
        "limit_reset",
        "updated_at",
        "expires_at",
        "last_used_at",
        "external_user",
    ):
        assert name in data and data[name] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": 5}, "name"),
        ({"name": "x", "limit": -1}, "limit"),
        ({"name": "x", "limit": "ten"}, "limit"),
        ({"name": "x", "limit_reset": "yearly"}, "limit_reset"),
        ({"name": "x", "expires_at": "2030-01-01T10:00Z"}, "expires_at"),
        ({"name": "x", "expires_at": "2001-01-01T10:00:00Z"}, "expires_at"),
    ],
)
def test_create_key_validation_names_the_field(sandbox_account, body, field):
    _account, secret = sandbox_account
    response = api(secret).post(f"{BASE}/keys", body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()["error"]["message"]


def test_patch_without_fields_is_400_and_patch_updates(sandbox_account):
    _account, secret = sandbox_account
    key_hash = (
        api(secret)
        .post(f"{BASE}/keys", {"name": "a"}, content_type="application/json")
        .json()["data"]["hash"]
    )
    empty = api(secret).patch(
        f"{BASE}/keys/{key_hash}", {"colour": "red"}, content_type="application/json"
    )
    assert empty.status_code == 400
    assert empty.json()["error"]["message"] == "No update fields provided"
    updated = (
        api(secret)
        .patch(
            f"{BASE}/keys/{key_hash}",
            {"disabled": True, "limit": 5},
            content_type="application/json",
        )
        .json()["data"]
    )
    assert (
        updated["disabled"] is True
        and updated["limit"] == 5.0
        and updated["updated_at"] is not None
    )


def test_delete_then_404(sandbox_account):
    _account, secret = sandbox_account
    key_hash = (
        api(secret)
        .post(f"{BASE}/keys", {"name": "a"}, content_type="application/json")
        .json()["data"]["hash"]
    )
    assert api(secret).delete(f"{BASE}/keys/{key_hash}").json() == {"deleted": True}
    assert api(secret).get(f"{BASE}/keys/{key_hash}").status_code == 404


def test_keys_list_hides_disabled_unless_asked_and_pages_by_100(sandbox_account):
    account, secret = sandbox_account
    client = api(secret)
    for i in range(105):
        client.post(f"{BASE}/keys", {"name": f"bulk {i}"}, content_type="application/json")
    first = client.get(f"{BASE}/keys").json()["data"]
    second = client.get(f"{BASE}/keys", {"offset": 100}).json()["data"]
    assert len(first) == 100
    visible_default = ApiKey.objects.filter(
        account=account, workspace__is_default=True, is_management=False, disabled=False
    )
    assert len(first) + len(second) <= visible_default.count()
    with_disabled = client.get(f"{BASE}/keys", {"include_disabled": "true", "offset": 100}).json()[
        "data"
    ]
    assert len(with_disabled) >= len(second)


def test_workspaces_list_has_total_count(sandbox_account):
    _account, secret = sandbox_account
    body = api(secret).get(f"{BASE}/workspaces", {"limit": 2}).json()
    assert body["total_count"] == 3
    assert len(body["data"]) == 2
    assert api(secret).get(f"{BASE}/workspaces", {"limit": 500}).status_code == 400


def test_credits_reflect_activity(sandbox_account):
    _account, secret = sandbox_account
    data = api(secret).get(f"{BASE}/credits").json()["data"]
    assert data["total_credits"] == 100.0
    assert data["total_usage"] > 0


def test_activity_covers_last_30_completed_days_and_validates_date(sandbox_account):
    _account, secret = sandbox_account
    rows = api(secret).get(f"{BASE}/activity").json()["data"]
    dates = {row["date"] for row in rows}
    from apps.sandbox.usage import utc_today

    assert utc_today().isoformat() not in dates
    assert len(dates) <= 30
    assert api(secret).get(f"{BASE}/activity", {"date": "yesterday"}).status_code == 400
    assert api(secret).get(f"{BASE}/activity", {"date": "2001-01-01"}).status_code == 400


def test_fault_header_429_carries_retry_after_and_rate_limit_headers(sandbox_account):
    _account, secret = sandbox_account
    response = api(secret, **{"X-Sandbox-Fault": "status=429, retry_after=7"}).get(
        f"{BASE}/credits"
    )
    assert response.status_code == 429
    assert response["Retry-After"] == "7"
    assert response["X-RateLimit-Remaining"] == "0"
    assert response.json()["error"]["metadata"]["error_type"] == "rate_limit_exceeded"


@pytest.mark.parametrize("status", [500, 502, 503])
def test_fault_header_server_errors(sandbox_account, status):
    _account, secret = sandbox_account
    assert (
        api(secret, **{"X-Sandbox-Fault": str(status)}).get(f"{BASE}/credits").status_code == status
    )


def test_account_fault_setting_applies_to_that_account_only(sandbox_account, other_sandbox_account):
    account, secret = sandbox_account
    _other, other_secret = other_sandbox_account
    account.fault = "503"
    account.save()
    assert api(secret).get(f"{BASE}/credits").status_code == 503
    assert api(other_secret).get(f"{BASE}/credits").status_code == 200


def test_timeout_fault_answers_408_after_holding(sandbox_account):
    _account, secret = sandbox_account
    assert api(secret, **{"X-Sandbox-Fault": "timeout"}).get(f"{BASE}/credits").status_code == 408


def test_accounts_are_isolated(sandbox_account, other_sandbox_account):
    _account, secret = sandbox_account
    other, _other_secret = other_sandbox_account
    other_key = ApiKey.objects.filter(account=other, is_management=False).first()
    assert api(secret).get(f"{BASE}/keys/{other_key.hash}").status_code == 404
    mine = {
        k["hash"]
        for k in api(secret).get(f"{BASE}/keys", {"include_disabled": "true"}).json()["data"]
    }
    assert other_key.hash not in mine


def test_nul_characters_are_a_400_not_a_500(sandbox_account):
    _account, secret = sandbox_account
    assert api(secret).get(f"{BASE}/activity", {"user_id": "a\x00b"}).status_code == 400
    response = api(secret).post(f"{BASE}/keys", {"name": "a\x00b"}, content_type="application/json")
    assert response.status_code == 400

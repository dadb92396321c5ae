"""Organization members and settings; SDK parsing."""

from __future__ import annotations

import pytest

from tests.sandbox.management_support import Api, inference_key, sdk

pytestmark = pytest.mark.django_db


def test_members_list_paginates_with_explicit_fields(sandbox_account):
    account, secret = sandbox_account
    page = Api(secret).get("/organization/members", limit=4, offset=2).json()
    assert page["total_count"] == account.members.count() == 6
    assert len(page["data"]) == 4
    first = page["data"][0]
    assert set(first) == {"id", "email", "first_name", "last_name", "role"}
    assert first["id"].startswith("user_")
    assert first["role"] in ("org:admin", "org:member")
    assert Api(secret).get("/organization/members", limit=0).status_code == 400


def test_settings_get_and_patch(sandbox_account):
    account, secret = sandbox_account
    api = Api(secret)
    assert api.get("/organization/settings").json() == {
        "data": {"id": account.id, "is_filtered_model_catalog_enabled": False}
    }
    patched = api.patch("/organization/settings", {"is_filtered_model_catalog_enabled": True})
    assert patched.json()["data"]["is_filtered_model_catalog_enabled"] is True
    assert api.get("/organization/settings").json()["data"]["is_filtered_model_catalog_enabled"]
    assert api.patch("/organization/settings", {"other": 1}).status_code == 400
    assert (
        api.patch(
            "/organization/settings", {"is_filtered_model_catalog_enabled": "yes"}
        ).status_code
        == 400
    )


def test_inference_key_is_refused(sandbox_account):
    _hash, ordinary = inference_key(Api(sandbox_account[1]))
    assert Api(ordinary).get("/organization/members").status_code == 403
    assert Api(ordinary).get("/organization/settings").status_code == 403


def test_sdk_parses_organization_endpoints(sandbox_account):
    _account, secret = sandbox_account
    client = sdk(secret)
    assert client.organization.list_members(limit=2).result.total_count == 6
    assert client.organization.get_settings().data.is_filtered_model_catalog_enabled is False
    updated = client.organization.update_settings(is_filtered_model_catalog_enabled=True)
    assert updated.data.is_filtered_model_catalog_enabled is True

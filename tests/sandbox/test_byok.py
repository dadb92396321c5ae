"""BYOK: write-only secret, masked label, filters, pagination, soft delete; SDK parsing."""

from __future__ import annotations

import pytest

from apps.sandbox.models import ByokKey, Workspace
from tests.sandbox.management_support import Api, inference_key, sdk

pytestmark = pytest.mark.django_db
SECRET = "sk-proj-1234567890abcdefAbCd"


@pytest.fixture
def api(sandbox_account) -> Api:
    return Api(sandbox_account[1])


def _create(api: Api, **body):
    response = api.post("/byok", {"provider": "together", "key": SECRET, **body})
    assert response.status_code == 201, response.content
    return response.json()["data"]


def test_create_masks_the_secret_and_never_returns_it(api):
    data = _create(api, name="Prod OpenAI")
    assert data["label"] == "sk-...AbCd"
    assert SECRET not in str(api.get(f"/byok/{data['id']}").content)
    assert "key" not in data
    for name in (
        "allowed_models",
        "allowed_user_ids",
        "allowed_api_key_hashes",
        "declared_region",
        "declared_zdr",
    ):
        assert data[name] is None
    assert data["sort_order"] == 0
    assert _create(api)["sort_order"] == 1


def test_json_credential_is_labelled_from_its_api_key(api):
    data = _create(
        api, key='{"api_key": "fw-secret-value-WxYz", "region": "us"}', provider="fireworks"
    )
    assert data["label"] == "fw-...WxYz"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"provider": "nope", "key": SECRET}, "provider"),
        ({"provider": "openai"}, "key"),
        ({"key": SECRET}, "provider"),
        ({"provider": "openai", "key": SECRET, "allowed_api_key_hashes": []}, "allowed_api_key"),
        ({"provider": "openai", "key": SECRET, "allowed_api_key_hashes": ["0" * 64]}, "unknown"),
        (
            {"provider": "openai", "key": SECRET, "is_byok_only": True, "is_fallback": True},
            "is_fallback",
        ),
        ({"provider": "openai", "key": SECRET, "declared_region": "mars"}, "declared_region"),
        ({"provider": "openai", "key": SECRET, "allowed_user_ids": ["user_x"]}, "user_x"),
    ],
)
def test_create_validation(api, body, fragment):
    response = api.post("/byok", body)
    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]


def test_allowed_key_hashes_must_be_own_keys(api):
    key_hash, _secret = inference_key(api)
    data = _create(api, allowed_api_key_hashes=[key_hash])
    assert data["allowed_api_key_hashes"] == [key_hash]


def test_list_defaults_to_default_workspace_filters_by_provider_and_paginates(sandbox_account, api):
    account, _secret = sandbox_account
    other = Workspace.objects.get(account=account, slug="production")
    seeded = api.get("/byok").json()["total_count"]
    seeded_other = api.get("/byok", workspace_id=str(other.id)).json()["total_count"]
    _create(api)
    _create(api, provider="deepseek", key="sk-deepseek-secretvalue-ZZZZ")
    _create(api, workspace_id=str(other.id))
    assert api.get("/byok").json()["total_count"] == seeded + 2
    assert api.get("/byok", workspace_id=str(other.id)).json()["total_count"] == seeded_other + 1
    only = api.get("/byok", provider="deepseek").json()
    assert [k["provider"] for k in only["data"]] == ["deepseek"]
    page = api.get("/byok", limit=1, offset=1).json()
    assert page["total_count"] == seeded + 2 and len(page["data"]) == 1
    assert api.get("/byok", provider="bogus").status_code == 400


def test_patch_rotates_secret_and_null_clears(api):
    data = _create(api, allowed_models=["openai/gpt-4.1"])
    patched = api.patch(
        f"/byok/{data['id']}",
        {"key": "sk-new-secret-value-9876", "allowed_models": None, "disabled": True},
    ).json()["data"]
    assert patched["label"] == "sk-...9876"
    assert patched["allowed_models"] is None
    assert patched["disabled"] is True
    assert patched["provider"] == "together"


def test_delete_is_soft_and_wipes_the_secret(api):
    data = _create(api)
    assert api.delete(f"/byok/{data['id']}").json() == {"deleted": True}
    assert api.get(f"/byok/{data['id']}").status_code == 404
    row = ByokKey.objects.get(id=data["id"])
    assert row.deleted_at is not None and row.secret == ""
    assert data["id"] not in {k["id"] for k in api.get("/byok", limit=100).json()["data"]}


def test_unknown_or_foreign_id_is_404(api, other_sandbox_account):
    assert api.get("/byok/not-a-uuid").status_code == 404
    foreign = Api(other_sandbox_account[1]).post("/byok", {"provider": "openai", "key": SECRET})
    assert api.get(f"/byok/{foreign.json()['data']['id']}").status_code == 404


def test_inference_key_is_refused(api):
    _hash, ordinary = inference_key(api)
    assert Api(ordinary).get("/byok").status_code == 403


def test_sdk_parses_every_byok_endpoint(sandbox_account):
    _account, secret = sandbox_account
    client = sdk(secret)
    created = client.byok.create(
        provider="anthropic", key="sk-ant-api03-abcdefgh-1234", name="Claude", declared_region="us"
    )
    assert created.data.label == "sk-...1234"
    assert client.byok.get(id=created.data.id).data.name == "Claude"
    assert client.byok.update(id=created.data.id, is_fallback=True).data.is_fallback is True
    listed = client.byok.list(limit=100).result
    assert created.data.id in {k.id for k in listed.data}
    assert client.byok.delete(id=created.data.id).DELETED is True

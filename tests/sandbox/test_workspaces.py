"""Workspaces: CRUD by id or slug, members, budgets and their ordering; SDK parsing."""

from __future__ import annotations

import pytest

from apps.sandbox.models import ApiKey, Workspace
from tests.sandbox.management_support import Api, inference_key, sdk

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(sandbox_account) -> Api:
    return Api(sandbox_account[1])


def _create(api: Api, slug="ml-platform", **extra):
    response = api.post("/workspaces", {"name": "ML Platform", "slug": slug, **extra})
    assert response.status_code == 201, response.content
    return response.json()["data"]


def test_create_returns_201_with_explicit_nulls(api):
    data = _create(api, description="Models", default_provider_sort="price")
    assert data["slug"] == "ml-platform"
    assert data["default_provider_sort"] == "price"
    assert data["updated_at"] is None
    assert data["default_text_model"] is None
    assert data["io_logging_api_key_ids"] is None
    assert data["io_logging_sampling_rate"] == 1.0


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"name": "X"}, "slug"),
        ({"slug": "x"}, "name"),
        ({"name": "X", "slug": "Bad Slug"}, "slug"),
        ({"name": "X", "slug": "a--b"}, "slug"),
        ({"name": "X", "slug": "production"}, "already exists"),
        ({"name": "X", "slug": "x", "io_logging_sampling_rate": 0}, "io_logging_sampling_rate"),
        ({"name": "X", "slug": "x", "default_provider_sort": "cheap"}, "default_provider_sort"),
        ({"name": "X", "slug": "x", "disabled_server_tools": ["openrouter:nope"]}, "nope"),
    ],
)
def test_create_validation(api, body, fragment):
    response = api.post("/workspaces", body)
    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]


def test_get_by_id_or_slug_and_404(api):
    data = _create(api)
    assert api.get(f"/workspaces/{data['id']}").json()["data"]["slug"] == "ml-platform"
    assert api.get("/workspaces/ml-platform").json()["data"]["id"] == data["id"]
    missing = api.get("/workspaces/nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == 404


def test_other_accounts_workspace_is_404(api, other_sandbox_account):
    other = Workspace.objects.filter(account=other_sandbox_account[0]).first()
    assert api.get(f"/workspaces/{other.id}").status_code == 404


def test_patch_updates_fields_and_sets_updated_at(api):
    _create(api)
    response = api.patch(
        "/workspaces/ml-platform", {"name": "ML", "slug": "ml", "description": None}
    )
    data = response.json()["data"]
    assert (data["name"], data["slug"], data["description"]) == ("ML", "ml", None)
    assert data["updated_at"] is not None
    assert api.patch("/workspaces/ml", {"unknown": 1}).status_code == 400


def test_list_paginates_with_total_count(api):
    for i in range(3):
        _create(api, slug=f"ws-{i}")
    page = api.get("/workspaces", limit=2, offset=1).json()
    assert page["total_count"] == 6
    assert len(page["data"]) == 2
    assert api.get("/workspaces", limit=101).status_code == 400


def test_delete_refuses_workspace_with_active_keys(api):
    data = _create(api)
    inference_key(api, workspace_id=data["id"])
    response = api.delete("/workspaces/ml-platform")
    assert response.status_code == 400
    assert "active API keys" in response.json()["error"]["message"]


def test_delete_default_needs_confirmation(sandbox_account, api):
    account, _secret = sandbox_account
    default = Workspace.objects.get(account=account, is_default=True)
    ApiKey.objects.filter(workspace=default, is_management=False).update(
        deleted_at="2026-01-01T00:00:00Z"
    )
    refused = api.delete(f"/workspaces/{default.id}")
    assert refused.status_code == 400
    assert "confirm_default_workspace_deletion" in refused.json()["error"]["message"]
    done = api.delete(f"/workspaces/{default.id}", confirm_default_workspace_deletion="true")
    assert done.json() == {"deleted": True}
    # Lists that default to the default workspace now need an explicit workspace_id.
    assert api.get("/keys").status_code == 400


def test_delete_empty_workspace(api):
    _create(api)
    assert api.delete("/workspaces/ml-platform").json() == {"deleted": True}
    assert api.get("/workspaces/ml-platform").status_code == 404


def test_members_add_list_remove(sandbox_account, api):
    account, _secret = sandbox_account
    data = _create(api)
    users = list(account.members.values_list("user_id", "role"))
    added = api.post("/workspaces/ml-platform/members/add", {"user_ids": [u for u, _ in users[:3]]})
    body = added.json()
    # the creator (owner, org admin) was already a member
    assert body["added_count"] == 2
    assert all(m["workspace_id"] == data["id"] for m in body["data"])
    roles = {u: ("admin" if r == "org:admin" else "member") for u, r in users}
    assert all(m["role"] == roles[m["user_id"]] for m in body["data"])
    listing = api.get("/workspaces/ml-platform/members", limit=2).json()
    assert listing["total_count"] == 3
    assert len(listing["data"]) == 2
    removed = api.post("/workspaces/ml-platform/members/remove", {"user_ids": [users[1][0]]})
    assert removed.json() == {"removed_count": 1}


def test_members_add_rejects_non_members(api):
    _create(api)
    response = api.post("/workspaces/ml-platform/members/add", {"user_ids": ["user_nobody"]})
    assert response.status_code == 400
    assert "user_nobody" in response.json()["error"]["message"]


def test_member_owning_active_keys_cannot_be_removed(sandbox_account, api):
    account, _secret = sandbox_account
    key = ApiKey.objects.filter(
        account=account, is_management=False, disabled=False, deleted_at__isnull=True
    ).first()
    response = api.post(
        f"/workspaces/{key.workspace_id}/members/remove", {"user_ids": [key.creator_user_id]}
    )
    assert response.status_code == 400


def test_budget_put_get_list_delete(api):
    _create(api)
    put = api.put(
        "/workspaces/ml-platform/budgets/monthly",
        {"limit_usd": 100, "include_byok_in_budgets": True},
    )
    assert put.status_code == 200
    body = put.json()
    assert body["data"]["reset_interval"] == "monthly"
    assert body["data"]["limit_usd"] == 100.0
    assert body["include_byok_in_budgets"] is True
    api.put("/workspaces/ml-platform/budgets/lifetime", {"limit_usd": 1000})
    listing = api.get("/workspaces/ml-platform/budgets").json()
    assert [b["reset_interval"] for b in listing["data"]] == [None, "monthly"]
    assert listing["include_byok_in_budgets"] is True
    assert api.get("/workspaces/ml-platform/budgets/lifetime").json()["data"]["limit_usd"] == 1000
    assert api.get("/workspaces/ml-platform/budgets/daily").status_code == 404
    # upsert keeps the id
    again = api.put("/workspaces/ml-platform/budgets/monthly", {"limit_usd": 120}).json()
    assert again["data"]["id"] == body["data"]["id"]
    assert api.delete("/workspaces/ml-platform/budgets/monthly").json() == {"deleted": True}
    # delete is idempotent
    assert api.delete("/workspaces/ml-platform/budgets/monthly").json() == {"deleted": True}
    assert api.get("/workspaces/ml-platform/budgets/yearly").status_code == 400


@pytest.mark.parametrize(
    ("existing", "interval", "limit", "names"),
    [
        (("monthly", 100), "weekly", 100, ("monthly", "weekly")),
        (("weekly", 50), "monthly", 40, ("monthly", "weekly")),
        (("daily", 10), "lifetime", 5, ("lifetime", "daily")),
        (("lifetime", 500), "daily", 600, ("lifetime", "daily")),
    ],
)
def test_budget_ordering_is_enforced_naming_both_intervals(api, existing, interval, limit, names):
    _create(api)
    assert (
        api.put(
            f"/workspaces/ml-platform/budgets/{existing[0]}", {"limit_usd": existing[1]}
        ).status_code
        == 200
    )
    response = api.put(f"/workspaces/ml-platform/budgets/{interval}", {"limit_usd": limit})
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert all(name in message for name in names)


def test_budget_limit_must_be_positive(api):
    _create(api)
    assert api.put("/workspaces/ml-platform/budgets/daily", {"limit_usd": 0}).status_code == 400
    assert api.put("/workspaces/ml-platform/budgets/daily", {}).status_code == 400


def test_inference_key_is_refused(api):
    _hash, ordinary = inference_key(api)
    assert Api(ordinary).get("/workspaces/production").status_code == 403


def test_sdk_parses_every_workspace_endpoint(sandbox_account):
    account, secret = sandbox_account
    client = sdk(secret)
    created = client.workspaces.create(name="SDK", slug="sdk-ws", description="via sdk")
    assert created.data.slug == "sdk-ws"
    assert client.workspaces.get(id="sdk-ws").data.id == created.data.id
    assert client.workspaces.update(id="sdk-ws", name="SDK 2").data.name == "SDK 2"
    page = client.workspaces.list(limit=2)
    assert page.result.total_count == 4
    user_id = account.members.all()[3].user_id
    added = client.workspaces.bulk_add_members(id="sdk-ws", user_ids=[user_id])
    assert added.added_count == 1
    members = client.workspaces.list_members(id="sdk-ws")
    assert user_id in {m.user_id for m in members.result.data}
    assert client.workspaces.bulk_remove_members(id="sdk-ws", user_ids=[user_id]).removed_count == 1
    budget = client.workspaces.set_budget(workspace_ref="sdk-ws", interval="weekly", limit_usd=20)
    assert budget.data.limit_usd == 20
    assert client.workspaces.get_budget(workspace_ref="sdk-ws", interval="weekly").data.id
    assert len(client.workspaces.list_budgets(workspace_ref="sdk-ws").data) == 1
    assert client.workspaces.delete_budget(workspace_ref="sdk-ws", interval="weekly").DELETED
    assert client.workspaces.delete(id="sdk-ws").DELETED is True

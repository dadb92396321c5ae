"""Guardrails: CRUD, the limit/interval pairing rule, regex checks, assignments; SDK parsing."""

from __future__ import annotations

import pytest

from apps.sandbox.models import Workspace
from tests.sandbox.management_support import Api, inference_key, sdk

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(sandbox_account) -> Api:
    return Api(sandbox_account[1])


def _create(api: Api, **body):
    response = api.post("/guardrails", {"name": "Interns", **body})
    assert response.status_code == 201, response.content
    return response.json()["data"]


def test_create_returns_every_field_with_explicit_nulls(api):
    data = _create(api, limit_usd=25, reset_interval="weekly")
    assert data["limit_usd"] == 25.0 and data["reset_interval"] == "weekly"
    for name in (
        "description",
        "allowed_models",
        "enforce_zdr_openai",
        "content_filters",
        "allowed_data_regions",
        "updated_at",
    ):
        assert name in data and data[name] is None
    assert data["include_byok_in_budgets"] is False
    assert data["workspace_id"]


@pytest.mark.parametrize(
    "body",
    [
        {"limit_usd": 10},
        {"reset_interval": "daily"},
        {"limit_usd": 10, "reset_interval": None},
        {"limit_usd": None, "reset_interval": "daily"},
    ],
)
def test_limit_and_interval_must_come_together(api, body):
    response = api.post("/guardrails", {"name": "x", **body})
    assert response.status_code == 400
    assert "together" in response.json()["error"]["message"]


def test_patch_pairing_rule_and_clearing(api):
    data = _create(api, limit_usd=25, reset_interval="weekly")
    assert api.patch(f"/guardrails/{data['id']}", {"limit_usd": 5}).status_code == 400
    cleared = api.patch(f"/guardrails/{data['id']}", {"limit_usd": None, "reset_interval": None})
    body = cleared.json()["data"]
    assert body["limit_usd"] is None and body["reset_interval"] is None
    assert body["updated_at"] is not None


@pytest.mark.parametrize(
    "pattern", ["(?=secret)x", "(?!a)b", "(?<=a)b", "(?<!a)b", r"(a)\1", "(a+)+", r"(?P<x>a)\k<x>"]
)
def test_disallowed_regex_is_invalid_regex_pattern(api, pattern):
    response = api.post(
        "/guardrails", {"name": "x", "content_filters": [{"pattern": pattern, "action": "block"}]}
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("invalid_regex_pattern")


def test_content_filters_and_builtins_round_trip(api):
    data = _create(
        api,
        content_filters=[{"pattern": r"ACME-\d{6}", "action": "block", "label": "ticket"}],
        content_filter_builtins=[
            {"slug": "email", "action": "redact"},
            {"slug": "regex-prompt-injection", "action": "block", "scan_scope": "user_only"},
        ],
    )
    assert data["content_filters"] == [
        {"pattern": r"ACME-\d{6}", "action": "block", "label": "ticket"}
    ]
    assert data["content_filter_builtins"] == [
        {"slug": "email", "action": "redact", "label": "[EMAIL]"},
        {"slug": "regex-prompt-injection", "action": "block", "scan_scope": "user_only"},
    ]


def test_models_come_back_canonical_and_regions_cannot_be_empty(api):
    data = _create(api, allowed_models=["openai/gpt-4.1"], allowed_providers=["openai"])
    assert data["allowed_models"] == ["openai/gpt-4.1-2025-04-14"]
    assert api.post("/guardrails", {"name": "x", "allowed_data_regions": []}).status_code == 400


def test_list_is_scoped_to_workspace_and_paginates(sandbox_account, api):
    account, _secret = sandbox_account
    prod = Workspace.objects.get(account=account, slug="production")

    def names(**params):
        return {g["name"] for g in api.get("/guardrails", limit=100, **params).json()["data"]}

    seeded, seeded_prod = len(names()), names(workspace_id="production")
    for i in range(3):
        _create(api, name=f"g{i}")
    _create(api, name="prod", workspace_id=str(prod.id))
    assert api.get("/guardrails").json()["total_count"] == seeded + 3
    page = api.get("/guardrails", limit=2, offset=seeded + 2).json()
    assert page["total_count"] == seeded + 3 and len(page["data"]) == 1
    assert names(workspace_id="production") == seeded_prod | {"prod"}


def test_key_assignment_replaces_the_previous_guardrail(api):
    before = api.get("/guardrails/assignments/keys").json()["total_count"]
    first, second = _create(api, name="first"), _create(api, name="second")
    key_hash, _secret = inference_key(api)
    one = api.post(f"/guardrails/{first['id']}/assignments/keys", {"key_hashes": [key_hash]})
    assert one.json() == {"assigned_count": 1}
    # assigning again to the same guardrail changes nothing
    again = api.post(f"/guardrails/{first['id']}/assignments/keys", {"key_hashes": [key_hash]})
    assert again.json() == {"assigned_count": 0}
    api.post(f"/guardrails/{second['id']}/assignments/keys", {"key_hashes": [key_hash]})
    assert api.get(f"/guardrails/{first['id']}/assignments/keys").json()["total_count"] == 0
    listed = api.get(f"/guardrails/{second['id']}/assignments/keys").json()
    assert listed["total_count"] == 1
    row = listed["data"][0]
    assert row["key_hash"] == key_hash and row["key_name"] == "inference"
    assert row["key_label"].startswith("sk-or-v1-")
    everywhere = api.get("/guardrails/assignments/keys", limit=100).json()
    assert everywhere["total_count"] == before + 1
    mine = [r["guardrail_id"] for r in everywhere["data"] if r["key_hash"] == key_hash]
    assert mine == [second["id"]]
    removed = api.post(
        f"/guardrails/{second['id']}/assignments/keys/remove", {"key_hashes": [key_hash]}
    )
    assert removed.json() == {"unassigned_count": 1}


def test_member_assignment_replaces_and_lists_account_wide(sandbox_account, api):
    account, _secret = sandbox_account
    user_id = account.members.first().user_id
    before = api.get("/guardrails/assignments/members").json()["total_count"]
    first, second = _create(api, name="first"), _create(api, name="second")
    api.post(f"/guardrails/{first['id']}/assignments/members", {"member_user_ids": [user_id]})
    api.post(f"/guardrails/{second['id']}/assignments/members", {"member_user_ids": [user_id]})
    rows = api.get("/guardrails/assignments/members").json()
    assert rows["total_count"] == before + 1
    [row] = [r for r in rows["data"] if r["user_id"] == user_id]
    assert row["guardrail_id"] == second["id"]
    assert row["organization_id"] == account.id
    bad = api.post(
        f"/guardrails/{first['id']}/assignments/members", {"member_user_ids": ["user_nobody"]}
    )
    assert bad.status_code == 400
    gone = api.post(
        f"/guardrails/{second['id']}/assignments/members/remove", {"member_user_ids": [user_id]}
    )
    assert gone.json() == {"unassigned_count": 1}


def test_assigning_unknown_key_is_400(api):
    g = _create(api)
    response = api.post(f"/guardrails/{g['id']}/assignments/keys", {"key_hashes": ["a" * 64]})
    assert response.status_code == 400


def test_workspace_default_guardrail_is_materialised_by_patch(sandbox_account, api):
    account, _secret = sandbox_account
    ws = Workspace.objects.get(account=account, slug="production")
    gid = str(ws.default_guardrail_id)
    before = api.get("/guardrails", workspace_id="production").json()["total_count"]
    virtual = api.get(f"/guardrails/{gid}").json()["data"]
    assert virtual["name"] == f"Workspace {ws.id} Default"
    patched = api.patch(f"/guardrails/{gid}", {"allowed_providers": ["openai"]}).json()["data"]
    assert patched["allowed_providers"] == ["openai"]
    after = api.get("/guardrails", workspace_id="production").json()["total_count"]
    assert after == before + 1


def test_delete_and_404(api):
    g = _create(api)
    assert api.delete(f"/guardrails/{g['id']}").json() == {"deleted": True}
    assert api.get(f"/guardrails/{g['id']}").status_code == 404
    assert api.get("/guardrails/00000000-0000-0000-0000-000000000002").status_code == 404


def test_inference_key_is_refused(api):
    _hash, ordinary = inference_key(api)
    assert Api(ordinary).get("/guardrails").status_code == 403


def test_sdk_parses_every_guardrail_endpoint(sandbox_account):
    account, secret = sandbox_account
    client = sdk(secret)
    api = Api(secret)
    key_hash, _s = inference_key(api)
    user_id = account.members.first().user_id
    g = client.guardrails.create(
        name="SDK",
        limit_usd=10,
        reset_interval="daily",
        allowed_models=["openai/gpt-4.1"],
        content_filter_builtins=[{"slug": "email", "action": "redact"}],
    ).data
    assert client.guardrails.get(id=g.id).data.name == "SDK"
    assert client.guardrails.update(id=g.id, description="d").data.description == "d"
    assert g.id in {x.id for x in client.guardrails.list(limit=100).result.data}
    assert client.guardrails.bulk_assign_keys(id=g.id, key_hashes=[key_hash]).assigned_count == 1
    assert client.guardrails.bulk_assign_members(id=g.id, member_user_ids=[user_id]).assigned_count
    assert client.guardrails.list_guardrail_key_assignments(id=g.id).result.total_count == 1
    assert client.guardrails.list_guardrail_member_assignments(id=g.id).result.total_count == 1
    keys = client.guardrails.list_key_assignments(limit=100).result.data
    assert key_hash in {a.key_hash for a in keys}
    members = client.guardrails.list_member_assignments(limit=100).result.data
    assert user_id in {a.user_id for a in members}
    assert client.guardrails.bulk_unassign_keys(id=g.id, key_hashes=[key_hash]).unassigned_count
    assert client.guardrails.bulk_unassign_members(id=g.id, member_user_ids=[user_id])
    assert client.guardrails.delete(id=g.id).DELETED is True

"""A lab for the policy suites: one seeded account per module, a fresh workspace per test.

Layers are set up only through the management API; requests are made with ordinary keys
through the in-process sandbox, as a console would make them.
"""

from __future__ import annotations

import itertools
import json

import pytest
from django.test import Client

from apps.sandbox.models import Account, ApiKey
from apps.sandbox.seed import SeedOptions, seed_account
from tests.sandbox.management_support import BASE, Api

CHAT = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Hello there"}]}
_names = itertools.count(1)


def module_account(account_id: str):
    """A module-scoped fixture: one small seeded account, deleted after the module. Each
    test still runs in its own rolled-back transaction, so tests do not see each other."""

    @pytest.fixture(scope="module")
    def fixture(django_db_setup, django_db_blocker):
        with django_db_blocker.unblock():
            account, secret = seed_account(
                SeedOptions(account_id=account_id, keys=4, days=5, workspaces=2, credits=1000.0)
            )
            yield account, secret
            ApiKey.objects.filter(account_id=account_id).delete()
            Account.objects.filter(id=account_id).delete()

    return fixture


class Lab:
    """A new workspace in the module's account, and helpers to layer policy onto it."""

    def __init__(self, account: Account, management_secret: str) -> None:
        self.account = account
        self.api = Api(management_secret)
        n = next(_names)
        created = self.api.post("/workspaces", {"name": f"Lab {n}", "slug": f"lab-{n}"})
        assert created.status_code == 201, created.content
        self.ws = created.json()["data"]
        members = list(account.members.order_by("created_at", "id"))
        # The seed gives the last two members no keys (hence no spend) and only the last a
        # member guardrail: the fifth is a clean slate for member-scoped budgets.
        self.fresh = members[4].user_id
        self.other = members[3].user_id

    def key(self, creator: str | None = None, **body) -> tuple[str, str]:
        """A new ordinary key in the lab workspace: ``(hash, secret)``."""
        body = {"name": "k", "workspace_id": self.ws["id"], **body}
        body["creator_user_id"] = creator or self.fresh
        created = self.api.post("/keys", body)
        assert created.status_code == 201, created.content
        return created.json()["data"]["hash"], created.json()["key"]

    def default_guardrail(self, **body) -> str:
        gid = self.ws["default_guardrail_id"]
        patched = self.api.patch(f"/guardrails/{gid}", body)
        assert patched.status_code == 200, patched.content
        return gid

    def guardrail(self, *, keys=(), members=(), **body) -> str:
        created = self.api.post(
            "/guardrails", {"name": f"g{next(_names)}", "workspace_id": self.ws["id"], **body}
        )
        assert created.status_code == 201, created.content
        gid = created.json()["data"]["id"]
        if keys:
            self.api.post(f"/guardrails/{gid}/assignments/keys", {"key_hashes": list(keys)})
        if members:
            self.api.post(
                f"/guardrails/{gid}/assignments/members", {"member_user_ids": list(members)}
            )
        return gid

    def budget(self, interval: str, limit: float, **body) -> str:
        put = self.api.put(
            f"/workspaces/{self.ws['id']}/budgets/{interval}", {"limit_usd": limit, **body}
        )
        assert put.status_code == 200, put.content
        return put.json()["data"]["id"]

    def byok(self, provider: str, **body) -> str:
        created = self.api.post(
            "/byok",
            {"provider": provider, "key": f"sk-lab-{provider}-0123456789abcd", **body}
            | {"workspace_id": self.ws["id"]},
        )
        assert created.status_code == 201, created.content
        return created.json()["data"]["id"]


def call(secret: str, path: str = "/chat/completions", body: dict | None = None, **headers):
    """An inference request; ``region=`` and ``fault=`` become the sandbox's headers."""
    extra = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    if region := headers.get("region"):
        extra["HTTP_X_SANDBOX_REGION"] = region
    if fault := headers.get("fault"):
        extra["HTTP_X_SANDBOX_PROVIDER_FAULT"] = fault
    return Client(**extra).post(
        f"{BASE}{path}", json.dumps(CHAT if body is None else body), content_type="application/json"
    )


def key_report(secret: str) -> dict:
    response = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get(f"{BASE}/key")
    assert response.status_code == 200, response.content
    return response.json()["data"]


def models_user(secret: str, region: str | None = None) -> set[str]:
    extra = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    if region:
        extra["HTTP_X_SANDBOX_REGION"] = region
    response = Client(**extra).get(f"{BASE}/models/user", {"output_modalities": "all"})
    assert response.status_code == 200, response.content
    return {m["id"] for m in response.json()["data"]}

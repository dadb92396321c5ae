"""A budget or a key limit that refuses a playground run is explained with its layer."""

from __future__ import annotations

import json
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from apps.inference.services import console_key_for
from apps.sandbox.models import Account, ApiKey
from tests.playground.conftest import ndjson

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
STREAM = {"HTTP_X_CONSOLE_STREAM": "ndjson"}


def _block_the_workspace(sandbox_account, key_hash: str) -> None:
    _account, management = sandbox_account
    workspace = ApiKey.objects.get(hash=key_hash).workspace_id
    Client(HTTP_AUTHORIZATION=f"Bearer {management}").put(
        f"/sandbox/api/v1/workspaces/{workspace}/budgets/daily",
        json.dumps({"limit_usd": 0.00000001}),
        content_type="application/json",
    )


@pytest.mark.parametrize("shape", ["chat", "messages", "responses"])
def test_a_workspace_budget_block_names_the_budget_in_each_chat_shape(
    client_for, member, catalog, sandbox_account, actor_for, shape
):
    client = client_for(member)
    data = {"model": "openai/gpt-4o-mini", "shape": shape, "prompt": "hi"}
    ndjson(client.post(reverse("playground:chat"), data, **STREAM))  # spend a little first
    _block_the_workspace(sandbox_account, console_key_for(actor_for(member), member).key_hash)
    stats = unescape(ndjson(client.post(reverse("playground:chat"), data, **STREAM))[-1]["html"])
    assert "Blocked by the workspace's budget." in stats and "Budget " in stats
    _assert_links_the_policy(client, stats, console_key_for(actor_for(member), member).key_hash)


def test_a_workspace_budget_block_shows_in_the_embeddings_form(
    client_for, member, catalog, sandbox_account, actor_for
):
    client = client_for(member)
    data = {"model": "openai/text-embedding-3-small", "inputs": "one\ntwo"}
    client.post(reverse("playground:embeddings"), data, **HTMX)
    _block_the_workspace(sandbox_account, console_key_for(actor_for(member), member).key_hash)
    response = client.post(reverse("playground:embeddings"), data, **HTMX)
    assert response.status_code == 422
    page = unescape(response.content.decode())
    assert "Blocked by the workspace's budget." in page
    _assert_links_the_policy(client, page, console_key_for(actor_for(member), member).key_hash)


def test_a_used_up_key_limit_says_so_for_images(client_for, member, catalog, actor_for):
    key = console_key_for(actor_for(member), member)
    ApiKey.objects.filter(hash=key.key_hash).update(limit=0.0000001)
    client = client_for(member)
    data = {"model": "black-forest-labs/flux-1.1-pro", "prompt": "a boat", "n": "1"}
    client.post(reverse("playground:images"), data, **HTMX)
    response = client.post(reverse("playground:images"), data, **HTMX)
    assert response.status_code == 422
    page = unescape(response.content.decode())
    assert "This key's spending limit is used up" in page
    _assert_links_the_policy(client, page, key.key_hash)


def test_an_outage_links_no_policy(client_for, member, catalog, sandbox_account):
    account, _management = sandbox_account
    Account.objects.filter(pk=account.pk).update(fault="503")
    data = {"model": "black-forest-labs/flux-1.1-pro", "prompt": "a boat", "n": "1"}
    response = client_for(member).post(reverse("playground:images"), data, **HTMX)
    assert response.status_code == 422
    assert 'data-testid="policy-link"' not in response.content.decode()


def _assert_links_the_policy(client, page: str, key_hash: str) -> None:
    """The block links its key's effective-policy page, and that page opens for this person."""
    url = reverse("guardrails:key_policy", args=[key_hash])
    assert f'href="{url}"' in page
    assert client.get(url).status_code == 200

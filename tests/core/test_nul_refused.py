"""A NUL character anywhere in a console request is a 400 (PostgreSQL cannot compare one)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_nul_in_the_path_query_or_form_is_refused(client_for, owner):
    client = client_for(owner)
    assert client.get("/accounts/oidc/%00/login/").status_code == 400
    assert client.get("/keys/", {"q": "a\x00b"}).status_code == 400
    assert client.post("/keys/new/", {"name": "x\x00"}).status_code == 400
    assert client.get("/keys/", {"q": "fine"}).status_code == 200


def test_the_sandbox_answers_a_nul_its_own_way(client, sandbox_account):
    _account, secret = sandbox_account
    response = client.get(
        "/sandbox/api/v1/activity", {"user_id": "\x00"}, HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")

"""The sandbox's ``/auth`` page: pick a user, approve, come back with a code bound to the
challenge; ``POST /auth/keys`` swaps it once, for the right verifier, before it expires."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from apps.sandbox.models import ApiKey, AuthCode, Member, secret_hash
from apps.sandbox.views.auth_keys import s256

pytestmark = pytest.mark.django_db

PAGE = "/sandbox/auth"
EXCHANGE = "/sandbox/api/v1/auth/keys"
CALLBACK = "http://127.0.0.1:8000/accounts/connect/callback?state=abc"
VERIFIER = "v" * 43


def _params(**overrides) -> dict:
    params = {
        "callback_url": CALLBACK,
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return params


def _approve(member: Member, **overrides) -> str:
    response = Client().post(PAGE, {**_params(**overrides), "member": member.pk})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    query = parse_qs(location.query)
    assert query["state"] == ["abc"]  # the callback's own query is kept
    return query["code"][0]


def _exchange(code: str, verifier: str | None = VERIFIER, method: str = "S256"):
    body = {"code": code, "code_challenge_method": method}
    if verifier is not None:
        body["code_verifier"] = verifier
    return Client().post(EXCHANGE, json.dumps(body), content_type="application/json")


@pytest.fixture
def person(sandbox_account):
    account, _secret = sandbox_account
    return Member.objects.filter(account=account).exclude(user_id=account.owner_user_id).first()


def test_the_page_lists_the_sandbox_users_to_choose_from(person):
    response = Client().get(PAGE, _params())
    assert response.status_code == 200
    body = response.content.decode()
    assert person.email in body and "127.0.0.1:8000" in body
    assert 'name="code_challenge" value="' + s256(VERIFIER) + '"' in body


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        ({"callback_url": ""}, "callback_url is required"),
        ({"callback_url": "http://evil.example/cb"}, "must be https"),
        ({"code_challenge_method": "S512"}, "S256 or plain"),
        ({"code_challenge": ""}, "needs a code_challenge"),
    ],
)
def test_a_bad_request_is_refused_on_the_page(person, overrides, why):
    response = Client().get(PAGE, _params(**overrides))
    assert response.status_code == 400
    assert why in response.content.decode()
    assert not AuthCode.objects.exists()


def test_approving_without_choosing_a_user_asks_again(person):
    response = Client().post(PAGE, _params())
    assert response.status_code == 422 and b"Choose who you are" in response.content
    assert not AuthCode.objects.exists()


def test_approval_redirects_with_a_code_bound_to_the_challenge_and_the_user(person):
    code = _approve(person)
    stored = AuthCode.objects.get(code=code)
    assert stored.code_challenge == s256(VERIFIER) and stored.code_challenge_method == "S256"
    assert stored.user_id == person.user_id and stored.account_id == person.account_id
    response = _exchange(code)
    assert response.status_code == 200
    body = response.json()
    assert body["user_id"] == person.user_id
    key = ApiKey.objects.get(hash=secret_hash(body["key"]))
    assert key.creator_user_id == person.user_id and key.workspace.is_default


def test_a_wrong_verifier_is_refused_and_leaves_the_code_usable(person):
    code = _approve(person)
    response = _exchange(code, verifier="w" * 43)
    assert response.status_code == 403
    error = response.json()["error"]
    assert (error["code"], error["message"]) == (403, "Invalid code_verifier")
    assert _exchange(code).status_code == 200


def test_a_missing_verifier_is_refused(person):
    response = _exchange(_approve(person), verifier=None)
    assert response.status_code == 400


def test_a_used_code_is_refused(person):
    code = _approve(person)
    assert _exchange(code).status_code == 200
    again = _exchange(code)
    assert again.status_code == 403
    assert again.json()["error"]["message"] == "Invalid or expired authorization code"


def test_an_expired_code_is_refused(person):
    code = _approve(person)
    AuthCode.objects.filter(code=code).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = _exchange(code)
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Invalid or expired authorization code"
    assert not ApiKey.objects.filter(creator_user_id=person.user_id, name="OAuth key").exists()


@pytest.mark.urls("apps.sandbox.standalone_urls")
@pytest.mark.parametrize("page", ["/auth", "/sandbox/auth"])
def test_the_standalone_sandbox_serves_the_page_beside_its_api(person, page):
    # runsandbox serves /api/v1 (like openrouter.ai) and the console's /sandbox/api/v1 mount
    response = Client().get(page, _params())
    assert response.status_code == 200 and person.email in response.content.decode()

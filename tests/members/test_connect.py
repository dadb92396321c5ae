"""Connect with OpenRouter (PKCE) against the sandbox's /auth page and /auth/keys."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.members.models import ConnectAttempt, UpstreamIdentity, UpstreamMember
from apps.sandbox.models import ApiKey, AuthCode, Member, secret_hash
from apps.sandbox.views.auth_keys import s256

pytestmark = pytest.mark.django_db

HOST = "127.0.0.1"  # the sandbox's page takes http callbacks on localhost only, as upstream


@pytest.fixture
def person(sandbox_account):
    """The sandbox user the member says they are on the authorisation page."""
    account, _secret = sandbox_account
    return Member.objects.filter(account=account).exclude(user_id=account.owner_user_id).first()


def _start(client: Client, purpose: str = "link") -> str:
    response = client.post(reverse("members:connect"), {"purpose": purpose}, HTTP_HOST=HOST)
    assert response.status_code == 302
    return response["Location"]


def _approve(auth_url: str, person: Member) -> tuple[str, dict]:
    """Approve on the sandbox's page as ``person``: the callback's path and query."""
    parts = urlsplit(auth_url)
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    response = Client().post(parts.path, {**params, "member": person.pk})
    assert response.status_code == 302, response.content
    back = urlsplit(response["Location"])
    assert back.netloc == HOST
    return back.path, {k: v[0] for k, v in parse_qs(back.query).items()}


def _round_trip(client: Client, person: Member, purpose: str = "link"):
    path, query = _approve(_start(client, purpose), person)
    return client.get(path, query, HTTP_HOST=HOST), path, query


def test_the_start_sends_the_person_to_the_sandboxs_auth_page_with_an_s256_challenge(
    client_for, member, organisation
):
    url = _start(client_for(member))
    parts = urlsplit(url)
    assert parts.path == "/sandbox/auth"  # derived from the organisation's base_url
    query = parse_qs(parts.query)
    assert query["code_challenge_method"] == ["S256"]
    attempt = ConnectAttempt.objects.get(user=member)
    assert query["code_challenge"] == [s256(attempt.verifier.reveal())]
    callback = urlsplit(query["callback_url"][0])
    assert callback.path == reverse("members:connect_callback")
    state = parse_qs(callback.query)["state"][0]
    assert state not in attempt.state_hash and attempt.used_at is None
    assert attempt.expires_at > timezone.now()


def test_link_only_links_the_member_and_revokes_the_key_at_once(
    client_for, member, organisation, person
):
    response, _path, _query = _round_trip(client_for(member), person)
    assert response.status_code == 302 and response["Location"] == reverse("members:profile")
    identity = UpstreamIdentity.objects.get(organisation=organisation, user=member)
    assert identity.upstream_user_id == person.user_id
    assert identity.source == UpstreamIdentity.Source.OAUTH
    revoked = AuditEntry.objects.get(action="member.connect_key_revoked")
    assert ApiKey.objects.get(hash=revoked.target_id).deleted_at is not None
    assert AuditEntry.objects.filter(action="member.identity_connected").count() == 1
    page = client_for(member).get(reverse("members:profile")).content.decode()
    assert person.user_id in page and "Connected with OpenRouter" in page


def test_asking_for_the_key_shows_it_once_and_the_link_replaces_a_hand_made_one(
    client_for, member, organisation, person
):
    UpstreamIdentity.objects.create(organisation=organisation, user=member, upstream_user_id="x")
    client = client_for(member)
    response, path, query = _round_trip(client, person, purpose="key")
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("sk-or-v1-") and secret in response.content.decode()
    key = ApiKey.objects.get(hash=secret_hash(secret))
    assert key.creator_user_id == person.user_id
    assert UpstreamIdentity.objects.get(user=member).upstream_user_id == person.user_id
    assert response["Cache-Control"].startswith("max-age=0")
    revealed = AuditEntry.objects.get(action="member.connect_key_revealed")
    entries = AuditEntry.objects.filter(organisation=organisation)
    assert revealed.target_id == key.hash
    assert not any(secret in str(e.before) + str(e.after) + e.target_id for e in entries)
    # the same callback again: refused, the secret is not shown a second time
    again = client.get(path, query, HTTP_HOST=HOST)
    assert again.status_code == 410 and secret not in again.content.decode()
    assert "already used" in again.content.decode()


def test_a_forged_state_is_refused(client_for, member, organisation, person):
    path, query = _approve(_start(client_for(member)), person)
    response = client_for(member).get(path, {**query, "state": "forged"}, HTTP_HOST=HOST)
    assert response.status_code == 410
    assert "not one the console asked for" in response.content.decode()
    assert not UpstreamIdentity.objects.filter(user=member).exists()


def test_an_expired_state_is_refused(client_for, member, organisation, person):
    client = client_for(member)
    path, query = _approve(_start(client), person)
    ConnectAttempt.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(path, query, HTTP_HOST=HOST)
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert not UpstreamIdentity.objects.filter(user=member).exists()


def test_another_persons_callback_is_refused(client_for, member, admin, organisation, person):
    path, query = _approve(_start(client_for(member)), person)
    response = client_for(admin).get(path, query, HTTP_HOST=HOST)
    assert response.status_code == 403
    assert "someone else" in response.content.decode()
    assert not UpstreamIdentity.objects.filter(organisation=organisation).exists()
    assert ConnectAttempt.objects.get().used_at is None  # the member can still finish


def test_a_wrong_verifier_is_refused_by_upstream(client_for, member, organisation, person):
    client = client_for(member)
    path, query = _approve(_start(client), person)
    ConnectAttempt.objects.update(verifier="w" * 64)
    response = client.get(path, query, HTTP_HOST=HOST)
    assert response.status_code == 410 and "OpenRouter refused" in response.content.decode()
    assert not UpstreamIdentity.objects.filter(user=member).exists()
    assert AuthCode.objects.get(code=query["code"]).used_at is None


def test_a_code_already_used_is_refused(client_for, member, organisation, person):
    client = client_for(member)
    path, query = _approve(_start(client), person)
    AuthCode.objects.filter(code=query["code"]).update(used_at=timezone.now())
    response = client.get(path, query, HTTP_HOST=HOST)
    assert response.status_code == 410 and "OpenRouter refused" in response.content.decode()
    assert not UpstreamIdentity.objects.filter(user=member).exists()


def test_an_expired_code_is_refused(client_for, member, organisation, person):
    client = client_for(member)
    path, query = _approve(_start(client), person)
    AuthCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(path, query, HTTP_HOST=HOST)
    assert response.status_code == 410 and "OpenRouter refused" in response.content.decode()
    assert not UpstreamIdentity.objects.filter(user=member).exists()


def test_an_upstream_user_outside_the_organisation_is_not_linked_and_its_key_revoked(
    client_for, member, organisation, person
):
    UpstreamMember.objects.create(organisation=organisation, user_id="user_someone_else")
    response, _path, _query = _round_trip(client_for(member), person, purpose="key")
    assert response.status_code == 403
    assert "not a member of this organisation" in response.content.decode()
    assert not UpstreamIdentity.objects.filter(user=member).exists()
    revoked = AuditEntry.objects.get(action="member.connect_key_revoked")
    assert ApiKey.objects.get(hash=revoked.target_id).deleted_at is not None


def test_profile_page_offers_connect_with_openrouter(client_for, member):
    response = client_for(member).get(reverse("members:profile"))
    assert response.status_code == 200
    assert b"Connect with OpenRouter" in response.content and b"Not linked yet" in response.content


def test_profile_htmx_request_gets_the_connect_partial(client_for, member):
    response = client_for(member).get(reverse("members:profile"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b'id="connect"' in response.content and b"<html" not in response.content


def test_starting_without_a_choice_is_refused_in_place(client_for, member):
    response = client_for(member).post(reverse("members:connect"), {})
    assert response.status_code == 422
    assert b"Choose whether you want the key" in response.content
    assert not ConnectAttempt.objects.exists()


def test_someone_signed_out_is_sent_to_sign_in(client):
    response = client.post(reverse("members:connect"), {"purpose": "link"})
    assert response.status_code == 302 and "login" in response["Location"]
    assert not ConnectAttempt.objects.exists()


def test_profile_page_lets_its_form_lead_to_upstreams_origin(client_for, member, organisation):
    organisation.base_url = "https://openrouter.ai/api/v1"
    organisation.save(update_fields=["base_url"])
    response = client_for(member).get(reverse("members:profile"))
    policy = response["Content-Security-Policy"]
    assert "form-action 'self' https://openrouter.ai" in policy


def test_the_auth_page_is_openrouters_for_openrouters_api(organisation):
    from apps.gateway.auth import auth_page_url

    organisation.base_url = "https://openrouter.ai/api/v1"
    url = auth_page_url(organisation, callback_url="https://c.example/cb", code_challenge="abc")
    assert url.startswith("https://openrouter.ai/auth?callback_url=https%3A%2F%2Fc.example%2Fcb")
    assert url.endswith("&code_challenge=abc&code_challenge_method=S256")

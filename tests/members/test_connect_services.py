"""The PKCE services on their own: state and verifier single-use, bound to the person and
their session, expiring; the code swapped through the gateway against the sandbox."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from apps.audit.context import Actor
from apps.core.errors import NotAllowed
from apps.members.models import ConnectAttempt, UpstreamIdentity
from apps.members.services import ConnectRefused, connect_finish, connect_start
from apps.sandbox.models import ApiKey, Member, secret_hash

pytestmark = pytest.mark.django_db

CALLBACK = "http://127.0.0.1/accounts/profile/connect/callback/"


@pytest.fixture
def person(sandbox_account):
    account, _secret = sandbox_account
    return Member.objects.filter(account=account).exclude(user_id=account.owner_user_id).first()


def _through_upstream(organisation, user, person, *, session="s1", wants_key=False):
    """Start, approve on the sandbox's page as ``person``: ``(state, code)``."""
    url = connect_start(
        organisation=organisation,
        user=user,
        session_key=session,
        callback_url=CALLBACK,
        wants_key=wants_key,
    )
    parts = urlsplit(url)
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    back = Client().post(parts.path, {**params, "member": person.pk})["Location"]
    query = parse_qs(urlsplit(back).query)
    return query["state"][0], query["code"][0]


def _finish(organisation, user, state, code, session="s1"):
    return connect_finish(
        actor=Actor(organisation=organisation, user=user),
        organisation=organisation,
        session_key=session,
        state=state,
        code=code,
    )


def test_finish_links_and_hands_the_key_back_when_asked(organisation, member, person):
    state, code = _through_upstream(organisation, member, person, wants_key=True)
    connected = _finish(organisation, member, state, code)
    assert connected.upstream_user_id == person.user_id
    assert ApiKey.objects.get(hash=secret_hash(connected.secret)).deleted_at is None
    assert UpstreamIdentity.objects.get(user=member).source == UpstreamIdentity.Source.OAUTH
    attempt = ConnectAttempt.objects.get()
    assert attempt.used_at is not None and not attempt.verifier  # wiped once used


def test_a_replayed_state_is_refused(organisation, member, person):
    state, code = _through_upstream(organisation, member, person)
    _finish(organisation, member, state, code)
    with pytest.raises(ConnectRefused, match="already used"):
        _finish(organisation, member, state, code)


def test_another_browser_session_of_the_same_person_is_refused(organisation, member, person):
    state, code = _through_upstream(organisation, member, person)
    with pytest.raises(NotAllowed, match="another browser session"):
        _finish(organisation, member, state, code, session="s2")
    assert not UpstreamIdentity.objects.exists()


def test_another_person_is_refused(organisation, member, admin, person):
    state, code = _through_upstream(organisation, member, person)
    with pytest.raises(NotAllowed):
        _finish(organisation, admin, state, code)


def test_a_state_from_another_organisation_is_unknown_here(
    organisation, other_organisation, member, person
):
    state, code = _through_upstream(organisation, member, person)
    with pytest.raises(ConnectRefused, match="not one the console asked for"):
        _finish(other_organisation, member, state, code)


def test_an_expired_state_is_refused(organisation, member, person):
    state, code = _through_upstream(organisation, member, person)
    ConnectAttempt.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ConnectRefused, match="expired"):
        _finish(organisation, member, state, code)


def test_a_wrong_verifier_is_refused(organisation, member, person):
    state, code = _through_upstream(organisation, member, person)
    ConnectAttempt.objects.update(verifier="x" * 64)
    with pytest.raises(ConnectRefused, match="OpenRouter refused"):
        _finish(organisation, member, state, code)
    assert not UpstreamIdentity.objects.exists()


def test_a_missing_code_is_refused(organisation, member, person):
    state, _code = _through_upstream(organisation, member, person)
    with pytest.raises(ConnectRefused, match="no authorisation code"):
        _finish(organisation, member, state, "")


def test_an_upstream_user_already_linked_to_someone_else_is_not_linked_twice(
    organisation, member, admin, person
):
    UpstreamIdentity.objects.create(
        organisation=organisation, user=admin, upstream_user_id=person.user_id
    )
    state, code = _through_upstream(organisation, member, person, wants_key=True)
    with pytest.raises(NotAllowed, match="already linked"):
        _finish(organisation, member, state, code)
    assert not UpstreamIdentity.objects.filter(user=member).exists()
    made = ApiKey.objects.filter(creator_user_id=person.user_id, name="OAuth key")
    assert made.count() == 1 and made.get().deleted_at is not None  # revoked, never shown

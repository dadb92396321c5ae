"""Signing in: the throttle (django-axes), session lifetimes, and two-factor (allauth)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.middleware import SESSION_SEEN, SESSION_STARTED
from apps.audit.models import AuditEntry
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def _sign_in(client: Client, email: str, password: str = PASSWORD, **extra):
    return client.post(
        reverse("accounts:login"), {"username": email, "password": password}, **extra
    )


def totp_code(secret: str, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or ``steps_ahead`` periods later)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + steps_ahead))


@pytest.fixture
def pat(organisation):
    user = UserFactory(email="pat@acme.test")
    MembershipFactory(user=user, organisation=organisation, role="member")
    return user


@pytest.fixture
def few_failures(settings):
    settings.AXES_FAILURE_LIMIT = 3


# --- Throttling -------------------------------------------------------------


def test_sign_in_page_keeps_the_console_labels_and_field_names(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert "Email address" in page and "Password" in page and ">Sign in</button>" in page
    assert 'name="username"' in page and 'name="password"' in page


def test_repeated_failures_lock_the_account_with_a_message_on_the_sign_in_page(
    client, pat, few_failures
):
    for _ in range(2):
        assert _sign_in(client, pat.email, "wrong").status_code == 422
    locked = _sign_in(client, pat.email, "wrong")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed sign-in attempts" in page and "15 minutes" in page
    assert 'name="username"' in page and 'value="pat@acme.test"' in page  # still the form
    # Even the right password is refused while locked, whatever the case of the address.
    assert _sign_in(client, "PAT@acme.test").status_code == 429
    assert not client.get(reverse("dashboard:home")).wsgi_request.user.is_authenticated


def test_the_account_lock_holds_from_another_address(pat, few_failures):
    for _ in range(3):
        _sign_in(Client(REMOTE_ADDR="10.0.0.1"), pat.email, "wrong")
    assert _sign_in(Client(REMOTE_ADDR="10.0.0.2"), pat.email).status_code == 429


def test_failures_from_one_address_lock_that_address_for_every_account(pat, few_failures):
    client = Client(REMOTE_ADDR="10.0.0.9")
    for n in range(3):
        _sign_in(client, f"guess{n}@acme.test", "wrong")
    assert _sign_in(client, pat.email).status_code == 429
    assert _sign_in(Client(REMOTE_ADDR="10.0.0.10"), pat.email).status_code == 302


def test_the_lock_ends_after_the_lockout_time(client, pat, few_failures):
    for _ in range(3):
        _sign_in(client, pat.email, "wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _sign_in(client, pat.email).status_code == 302


def test_a_success_clears_earlier_failures(client, pat, few_failures):
    for _ in range(2):
        _sign_in(client, pat.email, "wrong")
    assert _sign_in(client, pat.email).status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(2):
        assert _sign_in(client, pat.email, "wrong").status_code == 422


def test_the_test_clients_login_and_force_login_are_not_throttled(pat, few_failures):
    for _ in range(5):
        assert Client().login(email=pat.email, password=PASSWORD)
        client = Client()
        client.force_login(pat)
        assert client.get(reverse("dashboard:home")).status_code == 200


# --- Session lifetimes ------------------------------------------------------


def _age_session(client: Client, *, started: int = 0, seen: int = 0) -> None:
    session = client.session
    now = int(time.time())
    session[SESSION_STARTED] = now - started
    session[SESSION_SEEN] = now - seen
    session.save()


def test_an_idle_session_is_signed_out(client_for, member, settings):
    settings.SESSION_IDLE_TIMEOUT = 600
    client = client_for(member)
    _age_session(client, started=601, seen=601)
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login")) and "next=%2F" in response.url
    follow = client.get(response.url)
    assert "signed out after a while without activity" in follow.content.decode()
    assert not follow.wsgi_request.user.is_authenticated


def test_activity_keeps_the_session_alive(client_for, member, settings):
    settings.SESSION_IDLE_TIMEOUT = 600
    client = client_for(member)
    _age_session(client, started=590, seen=590)
    assert client.get(reverse("dashboard:home")).status_code == 200
    assert int(time.time()) - client.session[SESSION_SEEN] < 5  # the request counted


def test_a_session_ends_at_its_absolute_lifetime_even_when_active(client_for, member, settings):
    settings.SESSION_MAX_AGE = 3600
    client = client_for(member)
    _age_session(client, started=3601, seen=1)
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert "time limit" in client.get(response.url).content.decode()


def test_an_htmx_request_after_the_timeout_sends_the_whole_page_to_sign_in(
    client_for, member, settings
):
    settings.SESSION_IDLE_TIMEOUT = 600
    client = client_for(member)
    _age_session(client, started=700, seen=700)
    response = client.get(reverse("dashboard:home"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("accounts:login"))


def test_signing_in_starts_a_fresh_lifetime(client, pat):
    _sign_in(client, pat.email)
    assert int(time.time()) - client.session[SESSION_STARTED] < 5


def test_the_session_cookie_lives_no_longer_than_the_absolute_lifetime(settings):
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_MAX_AGE


# --- Two-factor -------------------------------------------------------------


def _with_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def test_password_then_authenticator_code_signs_in(client, pat):
    secret = _with_totp(pat)
    first = _sign_in(client, pat.email)
    assert first.status_code == 302 and first.url == reverse("mfa_authenticate")
    assert not client.get(reverse("dashboard:home")).wsgi_request.user.is_authenticated
    stage = client.get(reverse("mfa_authenticate")).content.decode()
    assert "Code" in stage and 'class="auth-card"' in stage  # the console's card
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and "Incorrect code" in wrong.content.decode()
    done = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert done.status_code == 302
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_a_recovery_code_works_once(pat):
    _with_totp(pat)
    code = RecoveryCodes.activate(pat).get_unused_codes()[0]
    client = Client()
    _sign_in(client, pat.email)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    client.post(reverse("accounts:logout"))
    _sign_in(client, pat.email)
    again = client.post(reverse("mfa_authenticate"), {"code": code})
    assert again.status_code == 200 and "Incorrect code" in again.content.decode()


def test_an_organisation_requiring_2fa_sends_a_member_without_it_to_enrol(
    client_for, organisation, member
):
    organisation.require_2fa = True
    organisation.save()
    client = client_for(member)
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")
    htmx = client.get(reverse("keys:mine"), HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == reverse("mfa_activate_totp")
    # Enrolment and sign-out stay open (enrolment first asks for the password again).
    enrol = client.get(reverse("mfa_activate_totp"))
    assert enrol.status_code in (200, 302) and reverse("mfa_activate_totp") != enrol.get("Location")
    assert client.post(reverse("accounts:logout")).status_code == 302


def test_a_member_with_2fa_uses_an_organisation_that_requires_it(client_for, organisation, member):
    organisation.require_2fa = True
    organisation.save()
    _with_totp(member)
    assert client_for(member).get(reverse("dashboard:home")).status_code == 200


def test_the_requirement_is_per_organisation(client_for, organisation, other_organisation, member):
    other_organisation.require_2fa = True
    other_organisation.save()
    assert client_for(member).get(reverse("dashboard:home")).status_code == 200


def test_enrolling_with_the_secret_shown_turns_two_factor_on(
    client, organisation, pat, django_capture_on_commit_callbacks
):
    _sign_in(client, pat.email)
    # allauth asks for the password again before an authenticator is added.
    ask = client.get(reverse("mfa_activate_totp"))
    assert ask.status_code == 302 and ask.url.startswith(reverse("account_reauthenticate"))
    again = client.post(ask.url, {"password": PASSWORD})
    assert again.status_code == 302
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    assert secret in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # allauth signals after commit
        response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=pat, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=pat, type=Authenticator.Type.RECOVERY_CODES).exists()
    # Owners see it in their organisation's audit log (never the secret).
    entry = AuditEntry.objects.get(action="user.two_factor_add", after__authenticator="totp")
    assert entry.organisation == organisation and entry.target_label == pat.email
    assert secret not in str(entry.after)

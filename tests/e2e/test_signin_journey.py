"""Signing in as a person does: the lockout message, enrolling in two-factor and signing in
with a code, a recovery code that works once, and SSO through a real OpenID provider."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from apps.accounts.models import Membership
from tests.accounts.test_signin import totp_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"
SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "signin"


def shot(page: Page, name: str) -> None:
    """Screenshots at desktop and phone width, kept for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height, label in ((1280, 800, "desktop"), (390, 844, "phone")):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=SHOTS / f"{name}-{label}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def sign_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def sign_out(page: Page) -> None:
    page.get_by_label("Account menu").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def signed_in(page: Page) -> None:
    expect(page.get_by_label("Account menu")).to_be_visible()


def test_repeated_wrong_passwords_lock_sign_in_with_a_clear_message(
    page: Page, live_server, member, settings
):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        sign_in(page, live_server.url, member.email, "wrong")
        expect(page.get_by_text("correct email address and password")).to_be_visible()
    sign_in(page, live_server.url, member.email, "wrong")
    lockout = page.get_by_test_id("lockout")
    expect(lockout).to_contain_text("Too many failed sign-in attempts")
    expect(lockout).to_contain_text("15 minutes")
    expect(page.get_by_label("Email address")).to_have_value(member.email)
    shot(page, "lockout")
    sign_in(page, live_server.url, member.email)  # the right password, still locked
    expect(page.get_by_test_id("lockout")).to_be_visible()


def test_member_enrols_in_2fa_when_required_then_signs_in_with_a_code_and_a_recovery_code(
    page: Page, live_server, organisation, member
):
    organisation.require_2fa = True
    organisation.save()
    base = live_server.url
    sign_in(page, base, member.email)
    # The organisation sends them to enrol; allauth first asks for the password again.
    expect(page.get_by_text("requires two-factor authentication")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    secret = page.get_by_label("Authenticator secret").input_value()
    shot(page, "totp-activate")
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    codes = page.get_by_label("Unused codes").input_value().split()
    assert len(codes) == 10
    shot(page, "recovery-codes")
    page.goto(f"{base}/")
    signed_in(page)

    # Password, then the authenticator's code.
    sign_out(page)
    sign_in(page, base, member.email)
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    shot(page, "totp-code")
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Incorrect code")).to_be_visible()
    page.get_by_label("Code").fill(totp_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Sign in").click()
    signed_in(page)
    expect(page.get_by_role("heading", name="Acme")).to_be_visible()

    # A recovery code works once.
    for attempt in range(2):
        sign_out(page)
        sign_in(page, base, member.email)
        page.get_by_label("Code").fill(codes[0])
        page.get_by_role("button", name="Sign in").click()
        if attempt == 0:
            signed_in(page)
        else:
            expect(page.get_by_text("Incorrect code")).to_be_visible()


def test_owner_requires_2fa_on_the_security_page(page: Page, live_server, organisation, owner):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(owner, secret)
    sign_in(page, live_server.url, owner.email)
    page.get_by_label("Code").fill(totp_code(secret))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Account menu").click()
    page.get_by_role("link", name="Security settings").click()
    page.get_by_label("Require two-factor authentication").check()
    page.get_by_label("SSO email domains").fill("acme.test, bad_domain")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("bad_domain is not a domain name")).to_be_visible()
    page.get_by_label("SSO email domains").fill("acme.test")
    page.get_by_label("Role for people who join by SSO").select_option("finance")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Security settings saved.")).to_be_visible()
    shot(page, "security")
    organisation.refresh_from_db()
    assert organisation.require_2fa and organisation.sso_domains == "acme.test"
    assert organisation.sso_default_role == "finance"


def test_sso_sign_in_through_a_real_openid_provider_joins_just_in_time(
    page: Page, live_server, organisation, sso
):
    organisation.sso_domains = "sso.example"
    organisation.save()
    page.goto(f"{live_server.url}/accounts/login/")
    shot(page, "login-with-sso")
    page.get_by_role("button", name="Sign in with Test IdP").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(sso.url)}/interaction/"))
    page.get_by_label("IdP email").fill(sso.email)
    page.get_by_label("IdP password").fill(sso.password)
    page.get_by_role("button", name="Continue to the console").click()
    page.get_by_role("button", name="Allow").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server.url)}/$"))
    signed_in(page)
    expect(page.get_by_role("heading", name="Acme")).to_be_visible()
    membership = Membership.objects.get(user__email=sso.email)
    assert (membership.organisation, membership.role) == (organisation, "member")

"""SSO against a real OpenID provider (tests/oidc/provider.mjs), without a browser: the
Django test client plays the console's side, httpx the person at the provider."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import Membership, User
from apps.audit.models import AuditEntry
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def sign_in_through_the_provider(client: Client, sso, *, password: str | None = None):
    """Console → provider (login, consent) → the console's callback; its response."""
    start = client.post(reverse("openid_connect_login", kwargs={"provider_id": "sso"}))
    assert start.status_code == 302 and start.url.startswith(sso.url), start
    with httpx.Client(base_url=sso.url, timeout=10) as browser:
        response = browser.get(start.url)
        for _ in range(10):
            location = response.headers.get("location")
            if response.status_code in (302, 303) and location:
                if urlsplit(location).hostname == "testserver":
                    parts = urlsplit(location)
                    return client.get(f"{parts.path}?{parts.query}")
                response = browser.get(location)
                continue
            assert response.status_code == 200, response.text
            uid = urlsplit(str(response.url)).path.split("/")[2]
            if "IdP password" in response.text:
                response = browser.post(
                    f"/interaction/{uid}/login",
                    data={"email": sso.email, "password": password or sso.password},
                )
                if response.status_code == 401:
                    return response
            else:
                assert "Allow" in response.text
                response = browser.post(f"/interaction/{uid}/confirm")
    raise AssertionError("the provider never sent the person back to the console")


@pytest.fixture
def acme_takes_sso(organisation):
    organisation.sso_domains, organisation.sso_default_role = "sso.example", "finance"
    organisation.save()
    return organisation


def test_the_sign_in_page_offers_the_configured_provider(client, sso):
    assert "Sign in with Test IdP" in client.get(reverse("accounts:login")).content.decode()


def test_no_sso_button_without_a_provider(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
    assert "Sign in with" not in client.get(reverse("accounts:login")).content.decode()


def test_first_sso_sign_in_creates_the_account_and_a_jit_membership(client, sso, acme_takes_sso):
    response = sign_in_through_the_provider(client, sso)
    assert response.status_code == 302 and response.url == "/"
    user = User.objects.get(email=sso.email)
    assert (user.first_name, user.last_name) == ("Sam", "Single")
    assert not user.has_usable_password()
    membership = Membership.objects.get(user=user)
    assert (membership.organisation, membership.role) == (acme_takes_sso, "finance")
    entry = AuditEntry.objects.get(action="membership.sso_join")
    assert entry.organisation == acme_takes_sso and entry.after["role"] == "finance"
    home = client.get("/")
    assert home.status_code == 200 and home.wsgi_request.user == user


def test_a_second_sso_sign_in_reuses_the_account(client, sso, acme_takes_sso):
    sign_in_through_the_provider(client, sso)
    client.post(reverse("accounts:logout"))
    assert sign_in_through_the_provider(client, sso).status_code == 302
    assert User.objects.filter(email=sso.email).count() == 1
    assert AuditEntry.objects.filter(action="membership.sso_join").count() == 1


def test_an_sso_sign_in_from_a_domain_no_organisation_takes_is_refused(client, sso, organisation):
    response = sign_in_through_the_provider(client, sso)
    assert response.status_code == 200
    assert "No organisation for this account" in response.content.decode()
    assert not User.objects.filter(email=sso.email).exists()


def test_an_existing_account_signs_in_by_sso_keeps_its_password_and_joins(
    client, sso, acme_takes_sso, other_organisation
):
    user = UserFactory(email=sso.email)
    MembershipFactory(user=user, organisation=other_organisation, role="member")
    assert sign_in_through_the_provider(client, sso).status_code == 302
    user.refresh_from_db()
    assert user.has_usable_password() and user.check_password("correct horse battery")
    roles = dict(Membership.objects.filter(user=user).values_list("organisation__slug", "role"))
    assert roles == {"acme": "finance", "globex": "member"}


def test_a_wrong_password_at_the_provider_stays_at_the_provider(client, sso, acme_takes_sso):
    response = sign_in_through_the_provider(client, sso, password="nope")
    assert response.status_code == 401 and "wrong password" in response.text
    assert not User.objects.filter(email=sso.email).exists()

"""The owners' Security page (2FA requirement, SSO domains and role) and SSO's JIT join."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from apps.accounts import services
from apps.accounts.models import Membership
from apps.audit.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = reverse("accounts:security")
FORM = {
    "require_2fa": "on",
    "sso_domains": "Acme.test, @eu.acme.test",
    "sso_default_role": "finance",
}


@pytest.fixture
def owner_with_2fa(owner):
    TOTP.activate(owner, generate_totp_secret())
    return owner


def test_owner_sees_the_security_page(client_for, owner):
    page = client_for(owner).get(URL).content.decode()
    assert "Require two-factor authentication" in page and "SSO email domains" in page
    assert "0 of 1 members have two-factor" in page


def test_owner_requires_2fa_and_sets_sso_domains_audited(client_for, organisation, owner_with_2fa):
    response = client_for(owner_with_2fa).post(URL, FORM)
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.require_2fa
    assert organisation.sso_domain_list == ["acme.test", "eu.acme.test"]
    assert organisation.sso_default_role == "finance"
    entry = AuditEntry.objects.get(organisation=organisation, action="organisation.security_update")
    assert entry.before["require_2fa"] is False and entry.after["require_2fa"] is True
    assert entry.after["sso_domains"] == ["acme.test", "eu.acme.test"]


def test_htmx_save_answers_the_form_partial_with_a_toast(client_for, owner_with_2fa):
    response = client_for(owner_with_2fa).post(URL, FORM, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Security settings saved" in response["HX-Trigger"]
    body = response.content.decode()
    assert 'id="security-form"' in body and "<html" not in body


def test_an_owner_without_2fa_cannot_require_it(client_for, organisation, owner):
    response = client_for(owner).post(URL, FORM, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "for your own account first" in response.content.decode()
    organisation.refresh_from_db()
    assert not organisation.require_2fa


def test_a_bad_domain_is_shown_in_place(client_for, owner):
    response = client_for(owner).post(
        URL, {"sso_domains": "acme.test not_a_domain", "sso_default_role": "member"}
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "not_a_domain is not a domain name" in body and 'value="acme.test not_a_domain"' in body


def test_people_who_join_by_sso_cannot_be_made_owners(client_for, owner):
    response = client_for(owner).post(URL, {"sso_domains": "a.test", "sso_default_role": "owner"})
    assert response.status_code == 422


@pytest.mark.parametrize("persona", ["admin", "finance", "member"])
def test_only_owners_manage_security(client_for, organisation, persona, request):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(URL).status_code == 403
    assert client_for(user).post(URL, FORM).status_code == 403
    organisation.refresh_from_db()
    assert organisation.sso_domains == ""


def test_an_outsider_changes_only_their_own_organisation(
    client_for, organisation, other_organisation, outsider
):
    TOTP.activate(outsider, generate_totp_secret())
    assert client_for(outsider).post(URL, FORM).status_code == 302
    organisation.refresh_from_db()
    other_organisation.refresh_from_db()
    assert other_organisation.require_2fa and not organisation.require_2fa


def test_sso_join_gives_each_matching_organisation_its_default_role_once(
    organisation, other_organisation
):
    organisation.sso_domains, organisation.sso_default_role = "acme.test", "finance"
    organisation.save()
    other_organisation.sso_domains = "globex.test"
    other_organisation.save()
    user = UserFactory(email="Newcomer@ACME.test")
    granted = services.sso_memberships_grant(user=user, email=user.email, ip_address="10.1.1.1")
    assert [(m.organisation, m.role) for m in granted] == [(organisation, "finance")]
    entry = AuditEntry.objects.get(action="membership.sso_join")
    assert entry.organisation == organisation and entry.after["domain"] == "acme.test"
    assert entry.ip_address == "10.1.1.1"
    assert services.sso_memberships_grant(user=user, email=user.email) == []
    assert Membership.objects.filter(user=user).count() == 1

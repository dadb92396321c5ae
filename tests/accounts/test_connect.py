"""Connecting an organisation: the key is checked live, encrypted at rest, and never shown."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.urls import reverse

from apps.accounts.models import Organisation
from apps.audit.models import AuditEntry
from tests.factories import SANDBOX_BASE_URL, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("accounts:connect")


@pytest.fixture
def fresh_org_owner():
    organisation = OrganisationFactory(name="Fresh", slug="fresh")
    return MembershipFactory(organisation=organisation, role="owner").user, organisation


def _ordinary_key(client_for, sandbox_account) -> str:
    from django.test import Client

    _account, secret = sandbox_account
    response = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").post(
        "/sandbox/api/v1/keys", {"name": "inference only"}, content_type="application/json"
    )
    return response.json()["key"]


def test_connect_with_management_key_stores_it_encrypted(
    client_for, fresh_org_owner, sandbox_account, caplog
):
    user, organisation = fresh_org_owner
    _account, secret = sandbox_account
    with caplog.at_level(logging.DEBUG):
        response = client_for(user).post(
            URL, {"api_key": secret, "base_url": SANDBOX_BASE_URL}, follow=True
        )
    assert response.status_code == 200
    assert secret not in response.content.decode()
    organisation.refresh_from_db()
    assert organisation.management_key.reveal() == secret
    assert organisation.management_key_label == f"sk-or-v1-{secret[9:12]}...{secret[-3:]}"
    # The raw column holds a Fernet token, not the key.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT management_key FROM accounts_organisation WHERE id = %s", [organisation.pk]
        )
        raw = cursor.fetchone()[0]
    assert secret not in raw and raw.startswith("gAAAA")
    assert secret not in caplog.text
    entry = AuditEntry.objects.get(organisation=organisation, action="organisation.connect")
    assert secret not in str(entry.before) + str(entry.after)


def test_rotating_the_key_is_audited_as_rotation(client_for, organisation, owner, sandbox_account):
    _account, secret = sandbox_account
    response = client_for(owner).post(URL, {"api_key": secret, "base_url": SANDBOX_BASE_URL})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(
        organisation=organisation, action="organisation.key_rotate"
    ).exists()


def test_non_management_key_is_refused_with_a_clear_message(
    client_for, fresh_org_owner, sandbox_account
):
    user, organisation = fresh_org_owner
    ordinary = _ordinary_key(client_for, sandbox_account)
    response = client_for(user).post(URL, {"api_key": ordinary, "base_url": SANDBOX_BASE_URL})
    assert response.status_code == 422  # refused in place, like every form
    page = response.content.decode()
    assert "not a management key" in page
    assert ordinary not in page  # the form never echoes the key back
    assert SANDBOX_BASE_URL in page  # ...but keeps what else was typed
    organisation.refresh_from_db()
    assert not organisation.is_connected


def test_invalid_key_is_refused(client_for, fresh_org_owner, sandbox_account):
    user, organisation = fresh_org_owner
    response = client_for(user).post(
        URL, {"api_key": "sk-or-v1-" + "0" * 64, "base_url": SANDBOX_BASE_URL}
    )
    assert "management key was rejected" in response.content.decode()
    organisation.refresh_from_db()
    assert not organisation.is_connected


def test_garbage_input_is_refused_before_any_call(client_for, fresh_org_owner):
    user, _organisation = fresh_org_owner
    response = client_for(user).post(URL, {"api_key": "abc def", "base_url": "not a url"})
    page = response.content.decode()
    assert "no spaces" in page
    assert "Enter a valid URL" in page


def test_upstream_outage_at_connect_is_explained(client_for, fresh_org_owner, sandbox_account):
    user, organisation = fresh_org_owner
    account, secret = sandbox_account
    account.fault = "503"
    account.save()
    response = client_for(user).post(URL, {"api_key": secret, "base_url": SANDBOX_BASE_URL})
    assert "unavailable" in response.content.decode()
    organisation.refresh_from_db()
    assert not organisation.is_connected


def test_members_and_finance_cannot_connect(client_for, organisation, member, finance):
    assert client_for(member).get(URL).status_code == 403
    assert client_for(finance).get(URL).status_code == 403


def test_connect_page_never_renders_the_stored_key(
    client_for, organisation, owner, sandbox_account
):
    _account, secret = sandbox_account
    page = client_for(owner).get(URL).content.decode()
    assert secret not in page
    for url in (
        reverse("dashboard:home"),
        reverse("dashboard:connection"),
        reverse("accounts:connect"),
    ):
        assert secret not in client_for(owner).get(url).content.decode()


def test_organisation_repr_and_str_do_not_leak_the_key(organisation, sandbox_account):
    _account, secret = sandbox_account
    reloaded = Organisation.objects.get(pk=organisation.pk)
    assert secret not in repr(reloaded.management_key)
    assert secret not in str(reloaded.management_key)
    assert secret not in f"{reloaded.management_key}"
    assert secret not in str(reloaded.__dict__)


def test_new_user_without_organisation_is_sent_to_create_one(client_for):
    user = UserFactory()
    response = client_for(user).get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:organisation_create")
    response = client_for(user).post(reverse("accounts:organisation_create"), {"name": "New Co"})
    assert response.url == reverse("accounts:connect")
    assert user.memberships.get().role == "owner"

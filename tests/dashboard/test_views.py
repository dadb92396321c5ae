"""Home dashboard and the Connection page, including every upstream failure class."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.models import ConnectionStatus
from apps.keys.services.sync import keys_sync
from apps.sandbox.models import ApiKey

pytestmark = pytest.mark.django_db


def test_home_shows_lazy_cards(client_for, organisation, member):
    page = client_for(member).get(reverse("dashboard:home")).content.decode()
    assert 'hx-get="/cards/credits/"' in page
    assert 'hx-trigger="load"' in page


def test_credits_card_shows_balance_from_upstream(client_for, organisation, member):
    response = client_for(member).get(reverse("dashboard:credits_card"), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert 'data-testid="credits-balance"' in page
    assert "<html" not in page  # the partial only
    status = ConnectionStatus.objects.get(organisation=organisation)
    assert status.ok and status.total_credits == 100
    assert f"${status.balance:,.2f}" in page
    assert 'id="status-card" hx-swap-oob="true"' in page  # the status card is refreshed too


def test_keys_card_counts_keys_of_every_workspace(client_for, organisation, sandbox_account, admin):
    account, _secret = sandbox_account
    assert "Not synced yet" in client_for(admin).get(reverse("dashboard:home")).content.decode()
    keys_sync(organisation)
    page = client_for(admin).get(reverse("dashboard:home")).content.decode()
    visible = ApiKey.objects.filter(account=account, is_management=False)
    expected = sum(1 for k in visible if not k.is_expired)
    assert f'data-testid="key-count">{expected}<' in page


def test_unconnected_organisation_says_so(client_for, organisation, admin):
    organisation.management_key = ""
    organisation.save()
    page = client_for(admin).get(reverse("dashboard:home")).content.decode()
    assert "not connected" in page


@pytest.mark.parametrize(
    ("fault", "phrase"),
    [
        ("402", "lack of credits"),
        ("403", "not allowed"),
        ("404", "no such object"),
        ("429,retry_after=0", "rate-limiting"),
        ("500", "unavailable"),
        ("502", "unavailable"),
        ("503", "unavailable"),
    ],
)
def test_upstream_errors_show_a_clear_message_not_a_stack_trace(
    client_for, organisation, sandbox_account, member, fault, phrase
):
    account, _secret = sandbox_account
    account.fault = fault
    account.save()
    response = client_for(member).get(reverse("dashboard:credits_card"), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert phrase in page
    assert "Traceback" not in page
    assert "[request req_" in page  # the upstream request id, for support


def test_rejected_management_key_is_named(client_for, organisation, sandbox_account, admin):
    account, _secret = sandbox_account
    ApiKey.objects.filter(account=account, is_management=True).update(disabled=True)
    page = (
        client_for(admin)
        .get(reverse("dashboard:connection_details"), HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "management key was rejected" in page
    assert not ConnectionStatus.objects.get(organisation=organisation).ok


def test_last_known_balance_is_kept_when_upstream_fails(
    client_for, organisation, sandbox_account, member
):
    client = client_for(member)
    client.get(reverse("dashboard:credits_card"))
    account, _secret = sandbox_account
    account.fault = "503"
    account.save()
    page = client.get(reverse("dashboard:credits_card"), HTTP_HX_REQUEST="true").content.decode()
    assert "Last known balance" in page


def test_connection_page_shows_key_details(client_for, organisation, finance):
    response = client_for(finance).get(
        reverse("dashboard:connection_details"), HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert "Management key" in page
    assert "sk-or-v1-" in page  # the masked label only


def test_test_connection_button_toasts(client_for, organisation, admin):
    response = client_for(admin).post(reverse("dashboard:connection_test"), HTTP_HX_REQUEST="true")
    assert "Connection works." in response["HX-Trigger"]


def test_member_cannot_see_connection(client_for, organisation, member):
    assert client_for(member).get(reverse("dashboard:connection")).status_code == 403
    assert client_for(member).post(reverse("dashboard:connection_test")).status_code == 403


def test_outsider_sees_only_their_own_organisation(
    client_for, organisation, other_organisation, outsider
):
    page = client_for(outsider).get(reverse("dashboard:home")).content.decode()
    assert "Globex" in page and "Acme" not in page
    credits = client_for(outsider).get(reverse("dashboard:credits_card")).content.decode()
    assert "$20.00 purchased" in credits


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302 and "/accounts/login/" in response.url

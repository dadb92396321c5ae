"""Home and Connection read what the workers cached: no page view calls upstream. Every
upstream failure class a check can meet is shown with a clear message, not a stack trace."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.models import ConnectionStatus
from apps.sandbox.models import ApiKey
from apps.syncs.runner import sync_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_upstream(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a page view called upstream")

    monkeypatch.setattr("apps.gateway.core._attempt", refuse)


def test_home_reads_the_cached_balance_without_calling_upstream(
    client_for, organisation, finance, monkeypatch
):
    sync_run(organisation, "credits")
    sync_run(organisation, "connection")
    monkeypatch.setattr("apps.gateway.core._attempt", lambda *a: pytest.fail("upstream called"))
    page = client_for(finance).get(reverse("dashboard:home")).content.decode()
    assert 'data-testid="credits-balance">$' in page
    assert "Connected" in page


def test_members_do_not_see_the_organisations_balance(client_for, organisation, member):
    sync_run(organisation, "credits")
    page = client_for(member).get(reverse("dashboard:home")).content.decode()
    assert 'data-testid="credits-balance"' not in page and 'id="my-keys-card"' in page


def test_keys_card_counts_live_keys_and_says_how_many_in_all(
    client_for, organisation, sandbox_account, admin
):
    account, _secret = sandbox_account
    assert "Not synced yet" in client_for(admin).get(reverse("dashboard:home")).content.decode()
    sync_run(organisation, "keys")
    page = client_for(admin).get(reverse("dashboard:home")).content.decode()
    visible = ApiKey.objects.filter(account=account, is_management=False)
    live = sum(1 for k in visible if not k.is_expired and not k.disabled)
    assert f'data-testid="key-count">{live}<' in page
    assert f"{visible.count()} in all, disabled and expired included" in page


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
    client_for, organisation, sandbox_account, finance, fault, phrase
):
    account, _secret = sandbox_account
    account.fault = fault
    account.save()
    sync_run(organisation, "credits")
    sync_run(organisation, "connection")
    for url in (reverse("dashboard:home"), reverse("dashboard:connection")):
        response = client_for(finance).get(url)
        page = response.content.decode()
        assert response.status_code == 200
        assert phrase in page and "Traceback" not in page
        assert "[request req_" in page  # the upstream request id, for support


def test_rejected_management_key_is_named(client_for, organisation, sandbox_account, admin):
    account, _secret = sandbox_account
    ApiKey.objects.filter(account=account, is_management=True).update(disabled=True)
    sync_run(organisation, "connection")
    page = client_for(admin).get(reverse("dashboard:connection")).content.decode()
    assert "management key was rejected" in page
    assert not ConnectionStatus.objects.get(organisation=organisation).ok


def test_last_known_balance_is_kept_when_upstream_fails(
    client_for, organisation, sandbox_account, finance
):
    sync_run(organisation, "credits")
    account, _secret = sandbox_account
    account.fault = "503"
    account.save()
    sync_run(organisation, "credits")
    page = client_for(finance).get(reverse("dashboard:home")).content.decode()
    assert 'data-testid="credits-balance"' in page and 'data-testid="credits-error"' in page


def test_connection_page_shows_key_details_and_partial(
    client_for, organisation, finance, no_upstream
):
    from apps.dashboard.services import connection_record

    class Key:  # what GET /key answered, as the check stored it
        label, is_management_key = "sk-or-v1-abc...123", True
        usage, usage_monthly, limit, limit_remaining, limit_reset = 12.5, 2.0, None, None, None

    connection_record(organisation, Key())
    page = client_for(finance).get(reverse("dashboard:connection")).content.decode()
    assert "Management key" in page and "sk-or-v1-abc...123" in page and "$12.50" in page
    partial = client_for(finance).get(reverse("dashboard:connection"), HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert 'id="connection-details"' in body and "<html" not in body


def test_test_connection_queues_a_check_and_polls(client_for, organisation, admin, monkeypatch):
    from apps.syncs import services

    monkeypatch.setattr(services.current_app, "send_task", lambda name, args: None)
    page = client_for(admin).get(reverse("dashboard:connection")).content.decode()
    assert 'data-testid="sync-connection"' in page
    response = client_for(admin).post(
        reverse("syncs:now", args=["connection"]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "every 2s" in response.content.decode()


def test_member_cannot_see_connection(client_for, organisation, member):
    assert client_for(member).get(reverse("dashboard:connection")).status_code == 403
    assert client_for(member).post(reverse("syncs:now", args=["connection"])).status_code == 403


def test_outsider_sees_only_their_own_organisation(
    client_for, organisation, other_organisation, outsider
):
    sync_run(other_organisation, "credits")
    sync_run(organisation, "credits")
    page = client_for(outsider).get(reverse("dashboard:home")).content.decode()
    assert "Globex" in page and "Acme" not in page
    assert "$20.00 purchased" in page


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302 and "/accounts/login/" in response.url

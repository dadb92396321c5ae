"""The connect form calls only allowed addresses, and a pasted key never reaches an error report."""

from __future__ import annotations

import sys

import pytest
from django.core.signals import got_request_exception
from django.urls import reverse
from django.views.debug import ExceptionReporter

from apps.gateway import account as gateway_account
from apps.gateway import errors
from apps.gateway.addresses import allowed_base_urls, base_url_problem
from tests.factories import SANDBOX_BASE_URL, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

URL = reverse("accounts:connect")
KEY = "sk-or-v1-" + "7" * 64


@pytest.fixture
def fresh_owner():
    organisation = OrganisationFactory(name="Fresh", slug="fresh")
    return MembershipFactory(organisation=organisation, role="owner").user, organisation


@pytest.fixture
def no_upstream(monkeypatch):
    """Fail the test if anything is sent upstream."""

    def refuse(*args, **kwargs):
        pytest.fail("the console called an address it must not")

    monkeypatch.setattr("apps.gateway.core._attempt", refuse)


@pytest.mark.parametrize(
    "base_url",
    [
        "http://xn--.com",  # IDNA: an empty punycode label
        "http://[::1",  # an unclosed IPv6 bracket
        "https://[::1]:99999/api/v1",  # a port past 65535
        "https://exa mple.com/api/v1",
        "ftp://openrouter.ai/api/v1",
    ],
)
def test_a_malformed_base_url_is_refused_in_place(client_for, fresh_owner, no_upstream, base_url):
    user, organisation = fresh_owner
    response = client_for(user).post(URL, {"api_key": KEY, "base_url": base_url})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Enter a valid URL" in page or "https://" in page
    assert KEY not in page
    organisation.refresh_from_db()
    assert not organisation.is_connected


@pytest.mark.parametrize(
    "base_url",
    [
        "http://169.254.169.254/latest/meta-data",  # a cloud metadata address
        "https://169.254.169.254/api/v1",
        "http://127.0.0.1:6379",  # a local port
        "https://127.0.0.1:5432/api/v1",
        "https://internal.example.com/api/v1",
        "https://openrouter.ai.evil.example/api/v1",
    ],
)
def test_addresses_off_the_allowlist_are_never_asked(
    client_for, fresh_owner, no_upstream, base_url
):
    user, _organisation = fresh_owner
    response = client_for(user).post(URL, {"api_key": KEY, "base_url": base_url})
    assert response.status_code == 422
    assert "https://openrouter.ai/api/v1" in response.content.decode()  # says what is allowed


def test_an_address_with_credentials_in_it_is_refused(client_for, fresh_owner, no_upstream):
    user, _organisation = fresh_owner
    base_url = "https://user:pass@openrouter.ai/api/v1"
    response = client_for(user).post(URL, {"api_key": KEY, "base_url": base_url})
    assert response.status_code == 422
    assert "user name or password" in response.content.decode()


def test_the_gateway_refuses_an_unlisted_address_even_without_the_form(no_upstream):
    with pytest.raises(errors.InvalidAddress) as refused:
        gateway_account.management_key_check("https://10.0.0.1/api/v1", KEY)
    assert refused.value.field == "base_url"


def test_the_default_allowlist_is_openrouter_and_the_configured_upstream(settings):
    settings.OPENROUTER_ALLOWED_BASE_URLS = []
    assert allowed_base_urls() == ["https://openrouter.ai/api/v1", SANDBOX_BASE_URL]


def test_an_operator_may_allow_a_proxy_of_their_own_over_https_only(settings):
    settings.OPENROUTER_ALLOWED_BASE_URLS = [
        "https://proxy.example.com/api/v1/",
        "http://proxy.example.com/api/v1",
    ]
    settings.OPENROUTER_TRANSPORT = "http"
    assert base_url_problem("https://proxy.example.com/api/v1") is None
    assert "https://" in base_url_problem("http://proxy.example.com/api/v1")
    assert "http://proxy.example.com/api/v1" not in allowed_base_urls()


def test_plain_http_reaches_only_a_loopback_sandbox(settings):
    settings.OPENROUTER_TRANSPORT = "http"
    settings.OPENROUTER_BASE_URL = "http://127.0.0.1:8000/sandbox/api/v1"
    settings.SANDBOX_ENABLED = True
    assert base_url_problem("http://127.0.0.1:8000/sandbox/api/v1") is None
    settings.SANDBOX_ENABLED = False
    assert "https://" in base_url_problem("http://127.0.0.1:8000/sandbox/api/v1")


def test_connecting_to_the_sandbox_still_works(client_for, fresh_owner, sandbox_account):
    user, organisation = fresh_owner
    _account, secret = sandbox_account
    response = client_for(user).post(URL, {"api_key": secret, "base_url": SANDBOX_BASE_URL})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.is_connected


@pytest.mark.parametrize("base_url", ["http://xn--.com", "http://[::1", "http://[::1]:0x50"])
def test_a_stored_malformed_address_maps_to_invalid_address(organisation, settings, base_url):
    # An address stored before the allowlist existed fails inside httpx, before any socket.
    settings.OPENROUTER_TRANSPORT = "http"
    organisation.base_url = base_url
    organisation.save()
    with pytest.raises(errors.InvalidAddress):
        gateway_account.current_key(organisation)


def test_a_defect_below_the_gateway_leaks_no_key_into_the_error_report(
    client_for, fresh_owner, settings, monkeypatch
):
    """What an error reporter (admin mail, Sentry-like) builds for the 500 holds no key."""
    settings.DEBUG = False  # Django filters error reports in production only
    user, _organisation = fresh_owner

    def broken(self, request):
        raise RuntimeError("a defect inside the HTTP stack")

    monkeypatch.setattr("apps.gateway.transport.LoggingTransport.handle_request", broken)
    reports: list[str] = []

    def report(sender, request, **kwargs):
        reports.append(ExceptionReporter(request, *sys.exc_info()).get_traceback_text())

    got_request_exception.connect(report)
    try:
        client = client_for(user)
        client.raise_request_exception = False
        response = client.post(URL, {"api_key": KEY, "base_url": SANDBOX_BASE_URL})
    finally:
        got_request_exception.disconnect(report)
    assert response.status_code == 500
    assert len(reports) == 1 and "RuntimeError" in reports[0]
    assert KEY not in reports[0] and KEY[9:40] not in reports[0]
    assert "********" in reports[0]

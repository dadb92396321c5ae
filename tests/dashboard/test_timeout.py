"""A real socket and a real read timeout: the sandbox holds the request longer than we wait."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.models import Organisation

pytestmark = pytest.mark.django_db(transaction=True)


def test_upstream_timeout_shows_a_clear_message(
    live_server, client_for, organisation, sandbox_account, member, settings
):
    settings.OPENROUTER_TRANSPORT = "http"
    settings.OPENROUTER_READ_TIMEOUT = 0.3
    Organisation.objects.filter(pk=organisation.pk).update(
        base_url=f"{live_server.url}/sandbox/api/v1"
    )
    account, _secret = sandbox_account
    account.fault = "latency_ms=1500"
    account.save()
    response = client_for(member).get(reverse("dashboard:credits_card"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "did not answer in time" in response.content.decode()

"""A real socket and a real read timeout: the sandbox holds the request longer than we wait."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from apps.accounts.models import Organisation
from apps.syncs.runner import sync_run

pytestmark = pytest.mark.django_db(transaction=True)


def test_upstream_timeout_shows_a_clear_message(
    live_server, client_for, organisation, sandbox_account, finance, settings
):
    settings.OPENROUTER_TRANSPORT = "http"
    settings.OPENROUTER_READ_TIMEOUT = 0.3
    Organisation.objects.filter(pk=organisation.pk).update(
        base_url=f"{live_server.url}/sandbox/api/v1"
    )
    organisation.refresh_from_db()
    account, _secret = sandbox_account
    account.fault = "latency_ms=900"
    account.save()
    outcome = sync_run(organisation, "connection")
    assert outcome.run.outcome == "error"
    response = client_for(finance).get(reverse("dashboard:connection"))
    assert response.status_code == 200
    assert "did not answer in time" in response.content.decode()
    # Let the server finish the request it is still holding before the databases go away.
    time.sleep(0.8)

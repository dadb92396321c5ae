"""The status line (polled while a run is pending), "sync now" and the health page."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from apps.syncs import services
from apps.syncs.models import SyncState
from apps.syncs.runner import sync_run

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(services.current_app, "send_task", lambda name, args: None)


def _triggers(response) -> dict:
    return json.loads(response.headers.get("HX-Trigger", "{}"))


def test_sync_now_queues_and_the_status_line_polls_until_the_run_ends(
    client_for, admin, organisation
):
    client = client_for(admin)
    response = client.post(reverse("syncs:now", args=["keys"]), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'hx-trigger="every 2s"' in body and "Sync queued" in body
    assert "queued" in _triggers(response)["toast"]["message"]
    assert SyncState.objects.get(organisation=organisation, stream="keys").requested_at
    sync_run(organisation, "keys")  # the worker runs it
    done = client.get(reverse("syncs:status", args=["keys"]) + "?waiting=1", **HTMX)
    assert "every 2s" not in done.content.decode() and "Synced" in done.content.decode()
    assert _triggers(done)["synced"] == {"stream": "keys"}  # the list reloads itself


def test_a_second_sync_now_is_told_one_is_on_its_way(client_for, admin):
    client = client_for(admin)
    client.post(reverse("syncs:now", args=["credits"]), **HTMX)
    again = client.post(reverse("syncs:now", args=["credits"]), **HTMX)
    toast = _triggers(again)["toast"]
    assert toast["level"] == "warning" and "moments ago" in toast["message"]


def test_sync_now_without_javascript_goes_to_the_health_page(client_for, finance):
    response = client_for(finance).post(reverse("syncs:now", args=["credits"]))
    assert response.status_code == 302 and response["Location"] == reverse("syncs:health")


def test_a_role_that_may_not_see_a_stream_is_refused(client_for, member):
    client = client_for(member)
    assert client.post(reverse("syncs:now", args=["keys"])).status_code == 403
    assert client.get(reverse("syncs:status", args=["credits"])).status_code == 403
    assert client.get(reverse("syncs:health")).status_code == 403


def test_unknown_stream_is_a_404(client_for, admin):
    assert client_for(admin).get(reverse("syncs:status", args=["nope"])).status_code == 404


def test_health_lists_each_stream_with_its_runs(client_for, finance, organisation):
    sync_run(organisation, "credits")
    response = client_for(finance).get(reverse("syncs:health"))
    body = response.content.decode()
    assert 'data-testid="stream-credits"' in body and 'data-testid="stream-keys"' in body
    partial = client_for(finance).get(reverse("syncs:health"), **HTMX).content.decode()
    assert 'id="streams"' in partial and "<html" not in partial


def test_an_outsider_sees_only_their_own_organisations_state(
    client_for, outsider, organisation, other_organisation
):
    sync_run(organisation, "credits")
    body = client_for(outsider).get(reverse("syncs:status", args=["credits"]), **HTMX)
    assert "Never synced" in body.content.decode()

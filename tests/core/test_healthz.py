from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_broker_and_upstream(client):
    body = client.get("/healthz").json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    assert set(body["checks"]) == {"database", "broker", "upstream"}


def test_healthz_fails_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


def test_healthz_degrades_but_stays_up_when_upstream_is_down(
    client, organisation, sandbox_account, monkeypatch
):
    from apps.syncs.runner import sync_run

    account, _secret = sandbox_account
    account.fault = "503"
    account.save()
    sync_run(organisation, "connection")  # the worker's check fails
    monkeypatch.setattr("apps.gateway.core._attempt", lambda *a: pytest.fail("upstream called"))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["upstream"] == {"ok": False}  # no detail for strangers

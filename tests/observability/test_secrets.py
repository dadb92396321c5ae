"""Destination credentials (secret config fields, custom header values) are write-only: they
appear in no page, form re-render, toast, log line, audit entry or console database row."""

from __future__ import annotations

import json
import logging

import pytest
from django.urls import reverse

from apps.audit.models import AuditEntry
from apps.gateway import observability as gateway
from apps.gateway.errors import BadRequest
from apps.observability.models import Destination
from apps.sandbox.models import ObservabilityDestination
from tests.byok.test_secrets import _console_rows

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
SECRETS = [f"LEAKCHECK{n}abcdefghijklmnopqrstuv{n}" for n in range(8)]


def test_no_destination_secret_leaks_anywhere(
    client_for, admin, finance, organisation, langfuse, upstream_fault, monkeypatch, caplog
):
    caplog.set_level(logging.DEBUG)
    client = client_for(admin)
    seen: list[str] = []

    def keep(response):
        seen.append(response.content.decode(errors="replace"))
        seen.append(json.dumps(dict(response.headers)))
        return response

    create = reverse("observability:create") + "?type=langfuse"
    base = {
        "type": "langfuse",
        "name": "Leak check",
        "workspace_id": langfuse.workspace_id,
        "sampling_rate": "1",
        "regions": ["global"],
    }

    def secrets(n: int) -> dict:
        return {
            "config_publicKey": SECRETS[n],
            "config_secretKey": SECRETS[n + 1],
            "headers": f"X-Token: {SECRETS[n + 2]}",
        }

    # 1. added, then the list with its message
    keep(client.post(create, base | secrets(0), **HTMX))
    keep(client.get(reverse("observability:list")))
    created = Destination.objects.get(organisation=organisation, name="Leak check")
    # 2. refused by the console's own validation (re-rendered form)
    keep(client.post(create, base | secrets(3) | {"sampling_rate": "9"}, **HTMX))
    # 3. refused upstream, with upstream echoing the secret back
    real = gateway.destination_create

    def echoing(org, **kwargs):
        raise BadRequest(upstream_message=f"config.secretKey {kwargs['config']['secretKey']} bad")

    monkeypatch.setattr(gateway, "destination_create", echoing)
    keep(client.post(create, base | secrets(3), **HTMX))
    monkeypatch.setattr(gateway, "destination_create", real)
    # 4. edited with new secrets, then an edit that fails upstream
    detail = reverse("observability:detail", args=[created.destination_id])
    edit = {k: v for k, v in base.items() if k != "workspace_id"}
    keep(client.post(detail, edit | secrets(5), **HTMX))
    upstream_fault("503")
    keep(client.post(detail, edit | secrets(3), **HTMX))
    upstream_fault("")
    # 5. every page that shows destinations or their history, for two roles
    for reader in (client, client_for(finance)):
        keep(reader.get(reverse("observability:list")))
        for d in Destination.objects.filter(organisation=organisation):
            keep(reader.get(reverse("observability:detail", args=[d.destination_id])))
    keep(client.get(reverse("audit:list")))

    upstream = ObservabilityDestination.objects.get(id=created.destination_id).config
    assert upstream["secretKey"] == SECRETS[6]  # the edit did send them
    audit = json.dumps(
        [
            [e.action, e.target_label, e.before, e.after]
            for e in AuditEntry.objects.filter(organisation=organisation)
        ]
    )
    assert "observability.create" in audit and "observability.update" in audit
    haystacks = {
        "pages": "\n".join(seen),
        "logs": caplog.text,
        "audit": audit,
        "database": _console_rows(),
    }
    for secret in SECRETS:
        middle = secret[4:-4]
        for where, text in haystacks.items():
            assert middle not in text, f"secret {secret[-2:]} found in {where}"
    assert "[redacted]" in haystacks["pages"]

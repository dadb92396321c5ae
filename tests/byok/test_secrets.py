"""The BYOK secret is write-only: it appears in no page, form re-render, toast, log line,
audit entry, error or console database row, whatever path it took."""

from __future__ import annotations

import json
import logging

import pytest
from django.apps import apps
from django.db import connections
from django.urls import reverse

from apps.audit.models import AuditEntry
from apps.byok.models import ByokCredential
from apps.gateway import byok as gateway_byok
from apps.gateway.errors import BadRequest

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
SECRETS = [f"sk-proj-LEAKCHECK{n}abcdefghijklmnopqrstuv{n}" for n in range(7)]


def _console_rows() -> str:
    """Every row of every console table (not the sandbox's: upstream keeps the secret)."""
    out = []
    with connections["default"].cursor() as cursor:
        for model in apps.get_models():
            if model._meta.app_label == "sandbox" or not model._meta.managed:
                continue
            cursor.execute(f'SELECT * FROM "{model._meta.db_table}"')  # noqa: S608 (table names)
            out.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(out)


def test_no_secret_leaks_anywhere(
    client_for, admin, mirrors, organisation, upstream_fault, monkeypatch, caplog
):
    caplog.set_level(logging.DEBUG)
    client = client_for(admin)
    seen: list[str] = []

    def keep(response):
        seen.append(response.content.decode(errors="replace"))
        seen.append(json.dumps(dict(response.headers)))
        return response

    workspace = (
        ByokCredential.objects.filter(organisation=organisation)
        .exclude(workspace_id="")
        .first()
        .workspace_id
    )
    base = {"provider": "groq", "name": "Leak check", "workspace_id": workspace}
    create = reverse("byok:create")

    # 1. added, pasted with whitespace around it, then the list with its message
    keep(client.post(create, base | {"key": f" \t{SECRETS[0]}\r\n"}, **HTMX))
    keep(client.get(reverse("byok:list")))
    credential = ByokCredential.objects.get(organisation=organisation, name="Leak check")
    # 2. refused by the console's own validation (re-rendered form)
    keep(client.post(create, base | {"key": SECRETS[1], "is_fallback": "on", "is_byok_only": "on"}))
    keep(client.post(create, base | {"key": SECRETS[1], "allowed_models": ["acme/none"]}, **HTMX))
    # 3. refused upstream, with upstream echoing the secret back
    real_create = gateway_byok.byok_create

    def echoing(org, **kwargs):
        raise BadRequest(status=400, upstream_message=f"key {kwargs['key']} was refused")

    monkeypatch.setattr(gateway_byok, "byok_create", echoing)
    keep(client.post(create, base | {"key": SECRETS[2]}, **HTMX))
    monkeypatch.setattr(gateway_byok, "byok_create", real_create)
    # 4. rotated, then a rotation that fails upstream
    rotate = reverse("byok:rotate", args=[credential.byok_id])
    keep(client.post(rotate, {"key": SECRETS[3]}, **HTMX))
    upstream_fault("503")
    keep(client.post(rotate, {"key": SECRETS[4]}, **HTMX))
    keep(client.post(create, base | {"key": SECRETS[5]}, **HTMX))
    upstream_fault("")
    # 5. moved to the end (re-added with the secret pasted again)
    keep(client.post(reverse("byok:move", args=[credential.byok_id]), {"key": SECRETS[6]}, **HTMX))
    # 6. every page that shows credentials or their history
    keep(client.get(reverse("byok:list")))
    for c in ByokCredential.objects.filter(organisation=organisation):
        keep(client.get(reverse("byok:detail", args=[c.byok_id])))
    keep(client.get(reverse("audit:list")))

    audit = json.dumps(
        [
            [e.action, e.target_label, e.before, e.after]
            for e in AuditEntry.objects.filter(organisation=organisation)
        ]
    )
    assert "byok.create" in audit and "byok.rotate" in audit
    haystacks = {
        "pages": "\n".join(seen),
        "logs": caplog.text,
        "audit": audit,
        "database": _console_rows(),
    }
    for secret in SECRETS:
        core = secret[8:-4]  # even a fragment of the middle is a leak
        for where, text in haystacks.items():
            assert core not in text, f"secret {secret[-2:]} found in {where}"
    assert "[redacted]" in haystacks["pages"]  # the echoed secret was cut, not dropped silently
    assert "they were removed" in haystacks["pages"]

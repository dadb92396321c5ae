"""Destination writes against the sandbox: gateway → mirror → audit, secrets kept out."""

from __future__ import annotations

import json

import pytest

from apps.audit.models import AuditEntry
from apps.gateway.errors import BadRequest, Conflict
from apps.observability import services
from apps.observability.models import Destination
from apps.sandbox.models import ObservabilityDestination

pytestmark = pytest.mark.django_db
SECRET = "sk-lf-SERVICESECRETabcdefghijkl1234"


def test_sync_mirrors_every_workspaces_destinations_without_secrets(organisation, destinations):
    rows = {d.name: d for d in Destination.objects.filter(organisation=organisation)}
    assert set(rows) == {"Prod Langfuse", "Cost alerts webhook"}
    langfuse, webhook = rows["Prod Langfuse"], rows["Cost alerts webhook"]
    assert langfuse.workspace_id != webhook.workspace_id  # two workspaces walked
    assert langfuse.secret_fields == ["publicKey", "secretKey"]
    assert langfuse.config == {"baseUrl": "https://us.cloud.langfuse.com"}
    assert langfuse.sampling_rate == 0.25 and langfuse.privacy_mode
    assert langfuse.filter_rules["groups"][0]["rules"][0]["field"] == "total_cost"
    assert webhook.header_names == ["Authorization"]
    assert "headers" not in webhook.config and len(webhook.api_key_hashes) == 3


def test_a_destination_deleted_upstream_leaves_the_mirror(organisation, destinations, langfuse):
    from apps.syncs.runner import sync_run

    ObservabilityDestination.objects.filter(id=langfuse.destination_id).delete()
    assert sync_run(organisation, "observability").run.ok
    assert not Destination.objects.filter(pk=langfuse.pk).exists()


def _create(actor, workspace_id, **overrides):
    body = {
        "name": "Staging Langfuse",
        "workspace_id": workspace_id,
        "config": {"publicKey": "pk-lf-public123456", "secretKey": SECRET},
    } | overrides
    return services.destination_create(actor, type_="langfuse", secrets=[SECRET], **body)


def test_create_writes_upstream_the_mirror_and_an_audit_entry_without_secrets(
    actor, organisation, langfuse
):
    destination = _create(actor, langfuse.workspace_id, sampling_rate=0.5)
    upstream = ObservabilityDestination.objects.get(id=destination.destination_id)
    assert upstream.config["secretKey"] == SECRET and upstream.sampling_rate == 0.5
    assert destination.secret_fields == ["publicKey", "secretKey"]
    entry = AuditEntry.objects.get(action="observability.create")
    dumped = json.dumps([entry.before, entry.after])
    assert SECRET not in dumped and "pk-lf-public" not in dumped
    assert entry.after["secrets_set"] == ["publicKey", "secretKey"]
    assert SECRET not in repr(list(Destination.objects.values()))


def test_upstream_refusal_names_the_config_field_and_scrubs_the_secret(
    actor, langfuse, monkeypatch
):
    from apps.gateway import observability as gateway

    def refuse(*args, **kwargs):
        raise BadRequest(upstream_message=f"config.secretKey {SECRET} is invalid")

    monkeypatch.setattr(gateway, "destination_create", refuse)
    with pytest.raises(BadRequest) as caught:
        _create(actor, langfuse.workspace_id)
    assert caught.value.field == "config_secretKey"
    assert SECRET not in caught.value.user_message


def test_the_sixth_destination_of_a_type_is_refused_with_the_limit(actor, langfuse):
    for n in range(4):
        _create(actor, langfuse.workspace_id, name=f"Extra {n}")
    with pytest.raises(Conflict) as caught:
        _create(actor, langfuse.workspace_id, name="One too many")
    assert "(5)" in caught.value.user_message


def test_update_keeps_secrets_left_out_and_audits_before_and_after(actor, langfuse):
    before_secret = ObservabilityDestination.objects.get(id=langfuse.destination_id).config[
        "secretKey"
    ]
    updated = services.destination_update(
        actor, langfuse, sampling_rate=1.0, config={"baseUrl": "https://eu.cloud.langfuse.com"}
    )
    upstream = ObservabilityDestination.objects.get(id=langfuse.destination_id)
    assert upstream.config["secretKey"] == before_secret  # kept
    assert updated.config["baseUrl"] == "https://eu.cloud.langfuse.com"
    entry = AuditEntry.objects.get(action="observability.update")
    assert entry.before["sampling_rate"] == 0.25 and entry.after["sampling_rate"] == 1.0
    assert before_secret not in json.dumps([entry.before, entry.after])


def test_disable_and_delete(actor, langfuse):
    services.destination_set_enabled(actor, langfuse, False)
    assert not ObservabilityDestination.objects.get(id=langfuse.destination_id).enabled
    services.destination_delete(actor, Destination.objects.get(pk=langfuse.pk))
    assert ObservabilityDestination.objects.get(id=langfuse.destination_id).deleted_at
    assert not Destination.objects.filter(pk=langfuse.pk).exists()
    assert (
        AuditEntry.objects.filter(
            action__in=["observability.disable", "observability.delete"]
        ).count()
        == 2
    )

"""BYOK services against the sandbox: gateway → mirror → audit, and the stream."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEntry
from apps.byok import services
from apps.byok.models import ByokCredential
from apps.gateway import byok as gateway_byok
from apps.gateway.errors import BadRequest, Conflict
from apps.sandbox.models import ByokKey
from apps.syncs.runner import sync_run

pytestmark = pytest.mark.django_db
SECRET = "sk-proj-TESTSECRETabcdefghijklmnop1234"


def _upstream(credential: ByokCredential) -> ByokKey:
    return ByokKey.objects.get(id=credential.byok_id)


def test_sync_mirrors_every_workspace_and_the_shared_credentials(byok, organisation):
    rows = {c.name: c for c in ByokCredential.objects.filter(organisation=organisation)}
    assert set(rows) == {
        "Prod OpenAI (primary)",
        "Anthropic shared",
        "Vertex EU",
        "OpenAI (batch jobs)",
    }
    assert rows["Anthropic shared"].workspace_id == "" and rows["Anthropic shared"].is_fallback
    vertex = rows["Vertex EU"]
    assert vertex.declared_region == "europe" and vertex.declared_zdr is True
    assert vertex.allowed_models == ["google/gemini-2.5-pro"]
    batch = rows["OpenAI (batch jobs)"]
    assert batch.disabled and batch.sort_order == 1 and len(batch.allowed_api_key_hashes) == 1
    assert rows["Prod OpenAI (primary)"].label.startswith("sk-...")


def test_a_credential_deleted_upstream_leaves_the_mirror(byok, organisation, openai_primary):
    ByokKey.objects.filter(id=openai_primary.byok_id).update(deleted_at="2026-01-01T00:00:00Z")
    outcome = sync_run(organisation, "byok")
    assert outcome.run.ok and "1 removed" in outcome.run.message
    assert not ByokCredential.objects.filter(pk=openai_primary.pk).exists()


def test_create_writes_upstream_mirror_and_audit_without_the_secret(actor, byok, organisation):
    credential = services.byok_create(
        actor,
        provider="groq",
        key=SECRET,
        name="Groq",
        is_fallback=True,
        allowed_models=["meta-llama/llama-3.3-70b-instruct"],
        declared_zdr=True,
    )
    upstream = _upstream(credential)
    assert upstream.secret == SECRET and upstream.is_fallback and upstream.declared_zdr
    assert credential.label == "sk-...1234" and credential.allowed_models == [
        "meta-llama/llama-3.3-70b-instruct"
    ]
    entry = AuditEntry.objects.get(action="byok.create", target_id=credential.byok_id)
    assert entry.after["provider"] == "groq" and SECRET not in str(entry.after)


def test_update_changes_and_clears(actor, openai_primary):
    credential = services.byok_update(
        actor, openai_primary, allowed_models=None, declared_region="us", name="Renamed"
    )
    upstream = _upstream(credential)
    assert upstream.allowed_models is None and upstream.declared_region == "us"
    assert credential.name == "Renamed" and credential.allowed_models is None
    entry = AuditEntry.objects.get(action="byok.update", target_id=credential.byok_id)
    assert entry.before["allowed_models"] == ["openai/gpt-4.1", "openai/gpt-5"]
    assert entry.after["allowed_models"] is None


def test_rotate_replaces_the_secret_in_place(actor, openai_primary):
    old_label = openai_primary.label
    credential = services.byok_rotate(actor, openai_primary, key=SECRET)
    assert _upstream(credential).secret == SECRET
    assert credential.label != old_label and credential.byok_id == openai_primary.byok_id
    entry = AuditEntry.objects.get(action="byok.rotate")
    assert entry.before["label"] == old_label and entry.after["label"] == credential.label
    assert SECRET not in str(entry.before) + str(entry.after)


def test_moving_to_fallback_drops_byok_only(actor, openai_primary):
    ByokKey.objects.filter(id=openai_primary.byok_id).update(is_byok_only=True)
    openai_primary.is_byok_only = True
    credential = services.byok_set_fallback(actor, openai_primary, True)
    assert credential.is_fallback and not credential.is_byok_only
    assert AuditEntry.objects.filter(action="byok.order_fallback").exists()


def test_move_to_end_recreates_after_the_others_and_deletes_the_old(
    actor, organisation, openai_primary
):
    fresh = services.byok_move_to_end(actor, openai_primary, key=SECRET)
    assert fresh.byok_id != openai_primary.byok_id
    assert fresh.sort_order == 2 and fresh.name == "Prod OpenAI (primary)"
    assert fresh.allowed_models == ["openai/gpt-4.1", "openai/gpt-5"]
    assert not ByokCredential.objects.filter(byok_id=openai_primary.byok_id).exists()
    assert ByokKey.objects.get(id=openai_primary.byok_id).deleted_at is not None


def test_move_to_end_says_so_when_the_old_one_cannot_be_deleted(
    actor, organisation, openai_primary, monkeypatch
):
    def refuse(org, byok_id):
        raise Conflict(status=409)

    monkeypatch.setattr(gateway_byok, "byok_delete", refuse)
    with pytest.raises(Conflict) as caught:
        services.byok_move_to_end(actor, openai_primary, key=SECRET)
    assert "could not be deleted" in caught.value.message
    assert ByokCredential.objects.filter(organisation=organisation).count() == 5  # both kept


def test_delete_removes_upstream_and_mirror(actor, openai_primary):
    services.byok_delete(actor, openai_primary)
    assert ByokKey.objects.get(id=openai_primary.byok_id).deleted_at is not None
    assert not ByokCredential.objects.filter(pk=openai_primary.pk).exists()
    assert AuditEntry.objects.get(action="byok.delete").before["label"] == openai_primary.label


def test_upstream_400_lands_on_the_field_it_names(actor, byok):
    with pytest.raises(BadRequest) as caught:
        services.byok_create(actor, provider="groq", key=SECRET, allowed_user_ids=["user_nobody"])
    assert caught.value.field == "allowed_user_ids"
    with pytest.raises(BadRequest) as caught:
        services.byok_create(
            actor, provider="groq", key=SECRET, is_fallback=True, is_byok_only=True
        )
    assert caught.value.field == "is_byok_only"


def test_a_secret_echoed_by_upstream_is_scrubbed(actor, byok, monkeypatch):
    def echo(org, **kwargs):
        raise BadRequest(status=400, upstream_message=f"key {kwargs['key']} is not valid")

    monkeypatch.setattr(gateway_byok, "byok_create", echo)
    with pytest.raises(BadRequest) as caught:
        services.byok_create(actor, provider="groq", key=SECRET)
    assert SECRET not in caught.value.user_message and "[redacted]" in caught.value.user_message
    assert caught.value.field == "key"


def test_an_update_of_a_credential_gone_upstream_removes_it(actor, openai_primary):
    ByokKey.objects.filter(id=openai_primary.byok_id).update(deleted_at="2026-01-01T00:00:00Z")
    with pytest.raises(Exception, match="no longer exists upstream"):
        services.byok_set_disabled(actor, openai_primary, True)
    assert not ByokCredential.objects.filter(pk=openai_primary.pk).exists()

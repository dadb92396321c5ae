"""A key upstream created but whose answer the console never got is found, shown, and fixable.

The sandbox's ``timeout_after_commit`` fault creates the key (committed), then holds the
answer and sends a 408, as when the console's read timeout fires after upstream did the work.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.keys.models import Key, KeyCreateAttempt
from apps.keys.services import keys as key_services
from apps.keys.services.attempts import MATCH_WINDOW, orphans_match
from apps.keys.services.errors import CreateUnconfirmed
from apps.keys.services.rotation import key_rotate
from apps.sandbox.models import ApiKey
from apps.syncs.models import SyncState
from apps.syncs.runner import sync_run

pytestmark = pytest.mark.django_db

Status = KeyCreateAttempt.Status


def _upstream_named(account, name: str) -> int:
    return ApiKey.objects.filter(account=account, name=name, deleted_at__isnull=True).count()


@pytest.fixture
def lost_answers(upstream_fault):
    """Every request of the account is processed, then answered with a 408."""
    upstream_fault("timeout_after_commit")
    return upstream_fault


def test_the_sandbox_fault_processes_the_request_then_answers_408(
    client, sandbox_account, lost_answers
):
    account, secret = sandbox_account
    response = client.post(
        "/sandbox/api/v1/keys",
        {"name": "lost-answer"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 408
    assert _upstream_named(account, "lost-answer") == 1  # created all the same


def test_a_create_without_answer_says_so_and_stays_on_record(
    client_for, organisation, admin, synced, sandbox_account, lost_answers
):
    account, _secret = sandbox_account
    response = client_for(admin).post(reverse("keys:create"), {"name": "orphan-1"})
    assert response.status_code == 422  # in place, with what happened
    page = response.content.decode()
    assert "cannot tell whether the key was created" in page
    assert "sk-or-v1-" not in page
    attempt = KeyCreateAttempt.objects.get(organisation=organisation, name="orphan-1")
    assert attempt.status == Status.UNKNOWN and attempt.actor == admin
    assert not Key.objects.filter(organisation=organisation, name="orphan-1").exists()
    assert _upstream_named(account, "orphan-1") == 1  # ...but upstream has it
    assert AuditEntry.objects.filter(action="key.create_unconfirmed").count() == 1
    # A keys sync was asked for, so the key is found soon.
    assert SyncState.objects.get(organisation=organisation, stream="keys").requested_at


def test_the_next_sync_finds_the_orphan_and_the_page_offers_delete_or_rotate(
    client_for, organisation, admin, finance, synced, sandbox_account, lost_answers
):
    account, _secret = sandbox_account
    client_for(admin).post(reverse("keys:create"), {"name": "orphan-2"})
    lost_answers("")
    run = sync_run(organisation, "keys").run
    assert run.ok and "1 created without their secret" in run.message
    key = Key.objects.get(organisation=organisation, name="orphan-2")
    assert key.secret_not_received and key.owner == admin
    attempt = KeyCreateAttempt.objects.get(name="orphan-2")
    assert attempt.status == Status.ORPHANED and attempt.key_hash == key.hash
    entry = AuditEntry.objects.get(action="key.secret_not_received", target_id=key.hash)
    assert entry.actor_label == "keys sync"
    # Nothing lost, nothing doubled: one key upstream, one in the mirror.
    assert _upstream_named(account, "orphan-2") == 1
    assert Key.objects.filter(organisation=organisation, name="orphan-2").count() == 1

    page = client_for(admin).get(reverse("keys:detail", args=[key.hash])).content.decode()
    assert "Created, secret not received" in page
    assert reverse("keys:rotate", args=[key.hash]) in page
    assert reverse("keys:delete", args=[key.hash]) in page
    listing = client_for(admin).get(reverse("keys:list"), {"q": "orphan-2"}).content.decode()
    assert "secret not received" in listing
    readonly = client_for(finance).get(reverse("keys:detail", args=[key.hash])).content.decode()
    assert "Ask an admin to delete or rotate it" in readonly

    # A second sync changes nothing.
    assert sync_run(organisation, "keys").run.ok
    assert Key.objects.get(pk=key.pk).secret_not_received
    assert AuditEntry.objects.filter(action="key.secret_not_received").count() == 1

    # Deleting it through the page removes it upstream and locally.
    response = client_for(admin).post(
        reverse("keys:delete", args=[key.hash]), {"confirm_name": "orphan-2"}
    )
    assert response.status_code in (200, 302)
    assert _upstream_named(account, "orphan-2") == 0
    assert not Key.objects.filter(pk=key.pk).exists()


def test_rotating_an_orphan_gives_a_successor_with_its_secret(
    organisation, admin, synced, actor_for, lost_answers
):
    with pytest.raises(CreateUnconfirmed):
        key_services.key_create(actor_for(admin), name="orphan-3")
    lost_answers("")
    sync_run(organisation, "keys")
    orphan = Key.objects.get(organisation=organisation, name="orphan-3")
    _rotation, successor, secret = key_rotate(
        actor_for(admin), orphan, transition=timedelta(hours=1)
    )
    assert secret.startswith("sk-or-v1-") and not successor.secret_not_received
    sync_run(organisation, "keys")
    assert not Key.objects.get(pk=successor.pk).secret_not_received  # its answer did come


def test_a_refused_create_is_not_an_orphan(organisation, admin, synced, actor_for, upstream_fault):
    upstream_fault("400")
    with pytest.raises(Exception, match="rejected"):
        key_services.key_create(actor_for(admin), name="refused")
    assert KeyCreateAttempt.objects.get(name="refused").status == Status.FAILED


def test_a_rate_limited_create_is_not_an_orphan(
    organisation, admin, synced, actor_for, upstream_fault
):
    upstream_fault("status=429, retry_after=600")
    with pytest.raises(Exception, match="rate-limiting"):
        key_services.key_create(actor_for(admin), name="limited")
    assert KeyCreateAttempt.objects.get(name="limited").status == Status.FAILED


def test_a_key_made_elsewhere_with_the_same_name_long_before_is_not_taken(
    organisation, admin, synced, actor_for
):
    existing = Key.objects.filter(organisation=organisation).order_by("created_at").first()
    KeyCreateAttempt.objects.create(
        organisation=organisation, name=existing.name, status=Status.UNKNOWN, actor=admin
    )
    assert orphans_match(organisation, pass_started_at=timezone.now()) == 0
    assert not Key.objects.get(pk=existing.pk).secret_not_received


def test_an_unanswered_attempt_with_no_key_upstream_is_closed_after_its_window(
    organisation, admin, synced
):
    attempt = KeyCreateAttempt.objects.create(
        organisation=organisation,
        name="never-made",
        status=Status.UNKNOWN,
        started_at=timezone.now() - MATCH_WINDOW - timedelta(minutes=5),
    )
    assert orphans_match(organisation, pass_started_at=timezone.now()) == 0
    attempt.refresh_from_db()
    assert attempt.status == Status.NOT_CREATED


def test_a_successful_create_records_a_done_attempt(organisation, admin, synced, actor_for):
    key, secret = key_services.key_create(actor_for(admin), name="answered")
    attempt = KeyCreateAttempt.objects.get(name="answered")
    assert attempt.status == Status.DONE and attempt.key_hash == key.hash
    assert secret and not key.secret_not_received

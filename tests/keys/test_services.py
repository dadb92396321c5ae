from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.core.errors import Invalid
from apps.gateway import keys as gateway_keys
from apps.gateway.errors import UpstreamError
from apps.keys.models import (
    ExpiryWarning,
    Key,
    KeyPolicy,
    KeyRequest,
    KeyRotation,
    KeyUsageSnapshot,
)
from apps.keys.services import expiry, requests, rotation
from apps.keys.services import keys as key_services
from apps.keys.services.errors import AlreadyDecided, DuplicateName, NotAllowed, RevealRefused
from apps.sandbox.models import ApiKey
from apps.syncs.models import SyncRun, SyncState
from apps.syncs.runner import sync_run
from apps.workspaces.selectors import workspace_choices, workspace_ids

pytestmark = pytest.mark.django_db


def _upstream_count(account) -> int:
    return ApiKey.objects.filter(
        account=account, is_management=False, deleted_at__isnull=True
    ).count()


# --- sync -------------------------------------------------------------------------------------


def _keys_sync(organisation):
    return sync_run(organisation, "keys").run


def test_sync_mirrors_every_key_of_every_workspace(organisation, sandbox_account):
    account, _ = sandbox_account
    run = _keys_sync(organisation)
    assert run.outcome == SyncRun.Outcome.OK
    assert Key.objects.filter(organisation=organisation).count() == _upstream_count(account)
    assert run.rows == _upstream_count(account)
    assert {name for _id, name in workspace_choices(organisation)} >= {"Default"}
    assert Key.objects.exclude(workspace_name="").exists()


def test_sync_writes_one_usage_snapshot_per_key_per_day(organisation, synced):
    _keys_sync(organisation)  # a second run the same day upserts, it does not add
    keys = Key.objects.filter(organisation=organisation).count()
    assert KeyUsageSnapshot.objects.filter(organisation=organisation).count() == keys


def test_sync_removes_keys_deleted_upstream(organisation, synced, sandbox_account):
    account, _ = sandbox_account
    gone = ApiKey.objects.filter(account=account, is_management=False).first()
    gone.deleted_at = timezone.now()
    gone.save()
    run = _keys_sync(organisation)
    assert not Key.objects.filter(organisation=organisation, hash=gone.hash).exists()
    assert "removed" in run.message


def test_sync_failure_is_recorded_and_the_next_run_resumes(
    organisation, upstream_fault, monkeypatch
):
    calls = {"n": 0}
    real = gateway_keys.keys_page

    def flaky(org, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise UpstreamError("boom", status=503)
        return real(org, **kwargs)

    monkeypatch.setattr(gateway_keys, "keys_page", flaky)
    failed = _keys_sync(organisation)
    assert failed.outcome == SyncRun.Outcome.ERROR and "boom" in failed.error
    state = SyncState.objects.get(organisation=organisation, stream="keys")
    assert state.cursor["workspace"] == 1  # the first workspace was done
    assert state.consecutive_failures == 1
    resumed = _keys_sync(organisation)
    assert resumed.outcome == SyncRun.Outcome.OK
    state.refresh_from_db()
    assert state.cursor == {} and state.consecutive_failures == 0
    workspaces = workspace_ids(organisation)
    # The resumed run did not page the first workspace again.
    assert calls["n"] == 2 + len(workspaces) - 1
    first = Key.objects.filter(organisation=organisation).order_by("created_at").first()
    assert first is not None


def test_sync_upstream_outage_records_failed_run(organisation, upstream_fault):
    upstream_fault("503")
    run = _keys_sync(organisation)
    assert run.outcome == SyncRun.Outcome.ERROR
    assert run.finished_at is not None


def test_sync_keeps_console_owner(organisation, synced, member, actor_for):
    key = Key.objects.filter(organisation=organisation).first()
    Key.objects.filter(pk=key.pk).update(owner=member, creator_label=member.email)
    _keys_sync(organisation)
    key.refresh_from_db()
    assert key.owner == member and key.creator_label == member.email


# --- create, update, delete ---------------------------------------------------------------------


def test_create_key_returns_secret_once_and_stores_no_secret(
    organisation, synced, admin, actor_for
):
    expires = (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    key, secret = key_services.key_create(
        actor_for(admin), name="billing-bot", limit=10.0, limit_reset="weekly", expires_at=expires
    )
    assert secret.startswith("sk-or-v1-")
    assert key.limit == 10.0 and key.limit_reset == "weekly" and key.expires_at == expires
    assert key.owner == admin and key.creator_label == admin.email
    entry = AuditEntry.objects.get(action="key.create", target_id=key.hash)
    assert secret not in str(entry.after)
    assert not any(
        secret in str(v) for v in Key.objects.filter(pk=key.pk).values().first().values()
    )


def test_create_key_refuses_duplicate_name_locally(
    organisation, synced, admin, actor_for, sandbox_account
):
    account, _ = sandbox_account
    existing = Key.objects.filter(organisation=organisation).first()
    before = _upstream_count(account)
    with pytest.raises(DuplicateName):
        key_services.key_create(actor_for(admin), name=existing.name.upper())
    assert _upstream_count(account) == before


@pytest.mark.parametrize("status", ["409", "429", "503"])
def test_create_key_upstream_failure_leaves_nothing_behind(
    organisation, synced, admin, actor_for, upstream_fault, status
):
    count = Key.objects.count()
    upstream_fault(status)
    with pytest.raises(UpstreamError):
        key_services.key_create(actor_for(admin), name="never-made")
    assert Key.objects.count() == count
    assert not AuditEntry.objects.filter(action="key.create").exists()


def test_disable_rename_and_delete_write_through_and_audit(
    some_key, admin, actor_for, sandbox_account
):
    actor = actor_for(admin)
    key = key_services.key_set_disabled(actor, some_key, True)
    assert key.disabled and ApiKey.objects.get(hash=key.hash).disabled
    key = key_services.key_rename(actor, key, "renamed-key")
    assert ApiKey.objects.get(hash=key.hash).name == "renamed-key"
    key_services.key_delete(actor, key)
    assert not Key.objects.filter(hash=key.hash).exists()
    assert ApiKey.objects.get(hash=key.hash).deleted_at is not None
    actions = list(AuditEntry.objects.filter(target_id=key.hash).values_list("action", flat=True))
    assert sorted(actions) == ["key.delete", "key.disable", "key.rename"]


def test_bulk_set_limit_writes_one_audit_entry_per_key(organisation, synced, admin, actor_for):
    keys = list(Key.objects.filter(organisation=organisation)[:3])
    preview = key_services.bulk_preview(keys, "set_limit", limit=5.0, limit_reset="daily")
    assert [c.after for c in preview] == ["$5.00 daily"] * 3
    result = key_services.keys_bulk_apply(
        actor_for(admin), keys, "set_limit", limit=5.0, limit_reset="daily"
    )
    assert len(result.done) == 3 and not result.failed
    assert AuditEntry.objects.filter(action="key.set_limit").count() == 3
    assert set(Key.objects.filter(pk__in=[k.pk for k in keys]).values_list("limit", flat=True)) == {
        5.0
    }


def test_bulk_reports_failures_per_key(organisation, synced, admin, actor_for, upstream_fault):
    keys = list(Key.objects.filter(organisation=organisation)[:2])
    upstream_fault("500")
    result = key_services.keys_bulk_apply(actor_for(admin), keys, "disable")
    assert len(result.failed) == 2 and not result.done


# --- requests ---------------------------------------------------------------------------------


def _request(member, actor_for, **overrides):
    fields = {
        "purpose": "notebooks",
        "name": "member-notebook",
        "limit": 20.0,
        "limit_reset": "monthly",
    }
    fields.update(overrides)
    return requests.key_request_create(actor_for(member), **fields)


def test_request_approve_reveal_once(
    synced, member, admin, actor_for, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        req = _request(member, actor_for)
    assert req.status == KeyRequest.Status.PENDING
    assert mail.outbox and admin.email in mail.outbox[-1].to
    with django_capture_on_commit_callbacks(execute=True):
        req = requests.key_request_approve(actor_for(admin), req, limit=15.0)
    assert req.status == KeyRequest.Status.APPROVED and req.limit == 15.0
    key = Key.objects.get(hash=req.key_hash)
    assert key.owner == member and key.limit == 15.0
    assert member.email in mail.outbox[-1].to
    assert req.secret  # held encrypted until revealed
    secret = requests.key_request_reveal(actor_for(member), req)
    assert secret.startswith("sk-or-v1-")
    req.refresh_from_db()
    assert req.secret == "" and req.revealed_at is not None
    with pytest.raises(RevealRefused):
        requests.key_request_reveal(actor_for(member), req)
    actions = set(
        AuditEntry.objects.filter(target_type="key_request").values_list("action", flat=True)
    )
    assert actions == {"key_request.create", "key_request.approve", "key_request.reveal"}


def test_secret_is_encrypted_at_rest(synced, member, admin, actor_for):
    from django.db import connection

    req = requests.key_request_approve(actor_for(admin), _request(member, actor_for))
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM keys_keyrequest WHERE id = %s", [req.pk])
        stored = cursor.fetchone()[0]
    assert "sk-or-v1-" not in stored


def test_only_the_requester_can_reveal(synced, member, admin, actor_for):
    req = requests.key_request_approve(actor_for(admin), _request(member, actor_for))
    with pytest.raises(NotAllowed):
        requests.key_request_reveal(actor_for(admin), req)


def test_reveal_refused_after_the_window_and_secret_wiped(
    synced, member, admin, actor_for, settings
):
    req = requests.key_request_approve(actor_for(admin), _request(member, actor_for))
    KeyRequest.objects.filter(pk=req.pk).update(reveal_until=timezone.now() - timedelta(seconds=1))
    assert requests.reveals_expire() == 1
    req.refresh_from_db()
    assert req.secret == ""
    with pytest.raises(RevealRefused):
        requests.key_request_reveal(actor_for(member), req)


def test_reveal_window_follows_setting(synced, member, admin, actor_for, settings):
    settings.KEY_REVEAL_MAX_AGE_DAYS = 2
    req = requests.key_request_approve(actor_for(admin), _request(member, actor_for))
    assert timedelta(days=1) < req.reveal_until - timezone.now() <= timedelta(days=2)


def test_failed_approval_stays_pending_and_says_why(
    synced, member, admin, actor_for, upstream_fault
):
    req = _request(member, actor_for)
    upstream_fault("503")
    with pytest.raises(UpstreamError):
        requests.key_request_approve(actor_for(admin), req)
    req.refresh_from_db()
    assert req.status == KeyRequest.Status.PENDING
    assert "unavailable" in req.failure_message.lower()
    assert req.key_hash == "" and not req.secret
    upstream_fault("")
    assert requests.key_request_approve(actor_for(admin), req).status == KeyRequest.Status.APPROVED


def test_reject_needs_pending_and_notifies(
    synced, member, admin, actor_for, django_capture_on_commit_callbacks
):
    req = _request(member, actor_for)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        req = requests.key_request_reject(actor_for(admin), req, reason="use the shared key")
    assert req.status == KeyRequest.Status.REJECTED
    assert "use the shared key" in mail.outbox[0].body
    with pytest.raises(AlreadyDecided):
        requests.key_request_approve(actor_for(admin), req)


def test_auto_approve_at_or_under_policy_limit(organisation, synced, member, actor_for):
    KeyPolicy.objects.create(organisation=organisation, auto_approve_limit=20)
    req = _request(member, actor_for, limit=20.0)
    assert req.status == KeyRequest.Status.APPROVED and req.auto_approved
    over = _request(member, actor_for, name="bigger", limit=20.01)
    assert over.status == KeyRequest.Status.PENDING
    unlimited = _request(member, actor_for, name="unlimited", limit=None, limit_reset="")
    assert unlimited.status == KeyRequest.Status.PENDING


def test_limit_increase_request_updates_the_key_on_approval(synced, member, admin, actor_for):
    req = requests.key_request_approve(actor_for(admin), _request(member, actor_for))
    key = Key.objects.get(hash=req.key_hash)
    more = requests.key_request_create(
        actor_for(member), purpose="more", name=key.name, key=key, limit=50.0, limit_reset="monthly"
    )
    assert more.kind == KeyRequest.Kind.INCREASE
    requests.key_request_approve(actor_for(admin), more)
    key.refresh_from_db()
    assert key.limit == 50.0
    assert ApiKey.objects.get(hash=key.hash).limit == 50.0


def test_higher_limit_request_must_ask_for_more_than_now(synced, member, admin, actor_for):
    req = requests.key_request_approve(actor_for(admin), _request(member, actor_for))
    key = Key.objects.get(hash=req.key_hash)
    for asked in (key.limit, key.limit - 1, None):
        with pytest.raises(Invalid) as refused:
            requests.key_request_create(
                actor_for(member), purpose="more", name=key.name, key=key, limit=asked
            )
        assert refused.value.field == "limit"
        assert f"{key.limit:,.2f}" in refused.value.message
    assert not KeyRequest.objects.filter(kind=KeyRequest.Kind.INCREASE).exists()


def test_member_cannot_ask_more_for_someone_elses_key(some_key, member, actor_for):
    with pytest.raises(NotAllowed):
        requests.key_request_create(
            actor_for(member), purpose="x", name="x", key=some_key, limit=1.0
        )


# --- rotation ---------------------------------------------------------------------------------


def test_rotation_creates_successor_and_disables_old_when_due(some_key, admin, actor_for):
    some_key = key_services.key_set_limit(actor_for(admin), some_key, 7.0, "daily")
    rot, successor, secret = rotation.key_rotate(
        actor_for(admin), some_key, transition=timedelta(hours=2)
    )
    assert secret.startswith("sk-or-v1-")
    assert successor.name == some_key.name  # the successor keeps the name, for ever
    assert successor.hash != some_key.hash
    assert successor.limit == 7.0 and successor.limit_reset == "daily"
    assert successor.workspace_id == some_key.workspace_id
    assert rotation.rotation_finish(rot.pk) == "skipped"  # not due yet
    assert rotation.rotation_finish(rot.pk, now=rot.run_at) == "done"
    assert ApiKey.objects.get(hash=some_key.hash).disabled
    assert rotation.rotation_finish(rot.pk, now=rot.run_at) == "skipped"  # once only


def test_rotation_can_delete_and_can_be_cancelled(some_key, admin, actor_for, organisation):
    rot, _, _ = rotation.key_rotate(
        actor_for(admin), some_key, transition=timedelta(hours=1), then="delete"
    )
    rotation.rotation_cancel(actor_for(admin), rot)
    assert rotation.rotation_finish(rot.pk, now=rot.run_at) == "skipped"
    assert ApiKey.objects.get(hash=some_key.hash).deleted_at is None
    with pytest.raises(AlreadyDecided):
        rotation.rotation_cancel(actor_for(admin), rot)


def test_failed_rotation_leaves_the_old_key_untouched(some_key, admin, actor_for, upstream_fault):
    upstream_fault("503")
    with pytest.raises(UpstreamError):
        rotation.key_rotate(actor_for(admin), some_key, transition=timedelta(hours=1))
    assert not KeyRotation.objects.exists()
    assert not ApiKey.objects.get(hash=some_key.hash).disabled


def test_rotation_finish_retries_when_upstream_fails(some_key, admin, actor_for, upstream_fault):
    rot, _, _ = rotation.key_rotate(actor_for(admin), some_key, transition=timedelta(0))
    upstream_fault("500")
    assert rotation.rotation_finish(rot.pk) == "retry"
    rot.refresh_from_db()
    assert rot.status == KeyRotation.Status.SCHEDULED and rot.attempts == 1 and rot.message
    assert rotation.rotations_due(now=rot.run_at) == [rot.pk]


# --- expiry warnings --------------------------------------------------------------------------


def test_expiry_warnings_sent_once_per_threshold(organisation, synced, owner, admin, member):
    key = Key.objects.filter(organisation=organisation, disabled=False).first()
    now = timezone.now()
    Key.objects.filter(pk=key.pk).update(expires_at=now + timedelta(days=13), owner=member)
    Key.objects.filter(organisation=organisation).exclude(pk=key.pk).update(expires_at=None)
    mail.outbox.clear()
    assert expiry.expiry_warnings_send(now) == 1
    assert set(mail.outbox[0].to) == {owner.email, admin.email, member.email}
    assert "/rotate/" in mail.outbox[0].body
    assert expiry.expiry_warnings_send(now) == 0  # once
    assert expiry.expiry_warnings_send(now + timedelta(days=6, hours=1)) == 1  # 7-day warning
    assert expiry.expiry_warnings_send(now + timedelta(days=12, hours=1)) == 1  # 1-day warning
    assert ExpiryWarning.objects.filter(key_hash=key.hash).count() == 3


def test_expiry_found_late_sends_one_warning_not_three(organisation, synced, owner):
    key = Key.objects.filter(organisation=organisation, disabled=False).first()
    now = timezone.now()
    Key.objects.filter(organisation=organisation).update(expires_at=None)
    Key.objects.filter(pk=key.pk).update(expires_at=now + timedelta(hours=12))
    mail.outbox.clear()
    assert expiry.expiry_warnings_send(now) == 1
    assert "1 day" in mail.outbox[0].subject


def test_sync_includes_expired_and_disabled_keys(organisation, sandbox_account):
    account, _ = sandbox_account
    expired, disabled = ApiKey.objects.filter(account=account, is_management=False)[:2]
    ApiKey.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    ApiKey.objects.filter(pk=disabled.pk).update(disabled=True)
    _keys_sync(organisation)
    assert Key.objects.get(organisation=organisation, hash=expired.hash).is_expired
    assert Key.objects.get(organisation=organisation, hash=disabled.hash).disabled


def test_gateway_keys_page_passes_include_flags(organisation, sandbox_account):
    account, _ = sandbox_account
    key = ApiKey.objects.filter(
        account=account, is_management=False, workspace__is_default=True
    ).first()
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(days=1))
    with_expired = gateway_keys.keys_page(organisation, include_expired=True)
    without = gateway_keys.keys_page(organisation, include_expired=False)
    assert key.hash in {k.hash for k in with_expired}
    assert key.hash not in {k.hash for k in without}


def test_second_approval_while_one_is_in_flight_is_refused(synced, member, admin, actor_for):
    req = _request(member, actor_for)
    KeyRequest.objects.filter(pk=req.pk).update(status=KeyRequest.Status.APPROVING)
    with pytest.raises(AlreadyDecided):
        requests.key_request_approve(actor_for(admin), req)


def test_rotation_with_new_expiry(some_key, admin, actor_for):
    expires = (timezone.now() + timedelta(days=90)).replace(microsecond=0)
    _, successor, _ = rotation.key_rotate(
        actor_for(admin), some_key, transition=timedelta(hours=1), expires_at=expires
    )
    assert successor.expires_at == expires
    assert ApiKey.objects.get(hash=successor.hash).expires_at == expires


def test_write_through_records_todays_usage_snapshot(organisation, synced, admin, actor_for):
    key, _ = key_services.key_create(actor_for(admin), name="snap", limit=3.0)
    snapshot = KeyUsageSnapshot.objects.get(organisation=organisation, key_hash=key.hash)
    assert snapshot.limit == 3.0 and snapshot.limit_remaining == 3.0

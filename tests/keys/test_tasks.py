from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.keys import tasks
from apps.keys.models import Key, KeyRequest, KeyRotation, SyncRun
from apps.keys.services import requests as request_services
from apps.keys.services import rotation
from apps.sandbox.models import ApiKey

pytestmark = pytest.mark.django_db


def test_sync_task_syncs_a_connected_organisation(organisation):
    assert tasks.keys_sync(organisation.pk) == "ok"
    assert Key.objects.filter(organisation=organisation).exists()


def test_sync_task_retries_with_capped_backoff_honouring_retry_after(
    organisation, upstream_fault, monkeypatch
):
    from celery.exceptions import Retry

    upstream_fault("status=429, retry_after=900")
    countdowns = []

    def fake_retry(*args, countdown=None, **kwargs):
        countdowns.append(countdown)
        return Retry()

    monkeypatch.setattr(tasks.keys_sync, "retry", fake_retry)
    with pytest.raises(Retry):
        tasks.keys_sync(organisation.pk)
    assert countdowns == [tasks.SYNC_RETRY_CAP]
    assert SyncRun.objects.get().status == "failed"


def test_sync_task_skips_unknown_or_unconnected(organisation):
    assert tasks.keys_sync(999_999) == "skipped"
    organisation.management_key = ""
    organisation.save()
    assert tasks.keys_sync(organisation.pk) == "skipped"


def test_sync_task_reports_lock(organisation):
    SyncRun.objects.create(organisation=organisation)
    assert tasks.keys_sync(organisation.pk) == "locked"


def test_sync_all_queues_one_task_per_connected_organisation(
    organisation, other_organisation, monkeypatch
):
    queued = []
    monkeypatch.setattr(tasks.keys_sync, "delay", queued.append)
    assert tasks.keys_sync_all() == 2
    assert sorted(queued) == sorted([organisation.pk, other_organisation.pk])


def test_rotations_due_runs_the_due_ones(some_key, admin, actor_for, monkeypatch):
    rot, _, _ = rotation.key_rotate(actor_for(admin), some_key, transition=timedelta(0))
    queued = []
    monkeypatch.setattr(tasks.rotation_finish, "delay", queued.append)
    assert tasks.rotations_due() == 1 and queued == [rot.pk]
    assert tasks.rotation_finish(rot.pk) == "done"
    assert ApiKey.objects.get(hash=some_key.hash).disabled
    assert KeyRotation.objects.get(pk=rot.pk).status == "done"


def test_reveals_expire_task_wipes_stale_secrets(synced, member, admin, actor_for):
    req = request_services.key_request_create(actor_for(member), purpose="p", name="n", limit=1.0)
    request_services.key_request_approve(actor_for(admin), req)
    KeyRequest.objects.filter(pk=req.pk).update(reveal_until=timezone.now() - timedelta(minutes=1))
    assert tasks.reveals_expire() == 1
    assert KeyRequest.objects.get(pk=req.pk).secret == ""


def test_expiry_warnings_task(organisation, synced, owner):
    Key.objects.filter(organisation=organisation).update(expires_at=None)
    key = Key.objects.filter(organisation=organisation, disabled=False).first()
    Key.objects.filter(pk=key.pk).update(expires_at=timezone.now() + timedelta(days=5))
    assert tasks.expiry_warnings_send() == 1
    assert tasks.expiry_warnings_send() == 0

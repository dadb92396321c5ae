from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.keys import tasks
from apps.keys.models import Key, KeyRequest, KeyRotation
from apps.keys.services import requests as request_services
from apps.keys.services import rotation
from apps.sandbox.models import ApiKey

pytestmark = pytest.mark.django_db


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

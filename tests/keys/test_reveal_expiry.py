"""An approved secret nobody revealed in time does not outlive its deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.keys.models import KeyRequest
from apps.keys.services import requests
from apps.keys.services.errors import RevealRefused

pytestmark = pytest.mark.django_db


def _stored_secret(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM keys_keyrequest WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _approved(member, admin, actor_for) -> KeyRequest:
    req = requests.key_request_create(
        actor_for(member), purpose="notebooks", name="late-reveal", limit=5.0, limit_reset=""
    )
    return requests.key_request_approve(actor_for(admin), req)


def test_asking_for_an_expired_reveal_wipes_the_ciphertext(synced, member, admin, actor_for):
    req = _approved(member, admin, actor_for)
    assert _stored_secret(req.pk)  # held, encrypted, until the reveal
    KeyRequest.objects.filter(pk=req.pk).update(reveal_until=timezone.now() - timedelta(seconds=1))
    with pytest.raises(RevealRefused, match="ran out"):
        requests.key_request_reveal(actor_for(member), req)
    assert _stored_secret(req.pk) == ""  # gone at once, not at the next cleanup


def test_the_cleanup_runs_every_minute():
    schedule = settings.CELERY_BEAT_SCHEDULE["keys-reveals-expire"]
    assert schedule["task"] == "apps.keys.tasks.reveals_expire"
    assert schedule["schedule"] <= 60

"""Rotation: upstream cannot change a key's secret, so the console makes a successor with
the same name and settings, then disables or deletes the old key when the transition
window ends (the beat sweep ``rotations_due`` runs every minute and finishes what is due).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from apps.audit.context import Actor
from apps.audit.services import audit_record
from apps.gateway.errors import NotFound, UpstreamError
from apps.keys.models import Key, KeyRotation
from apps.keys.services.errors import AlreadyDecided
from apps.keys.services.keys import key_create, key_delete, key_set_disabled

RETRY_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 5


@sensitive_variables("secret")
def key_rotate(
    actor: Actor,
    key: Key,
    *,
    transition: timedelta,
    then: str = KeyRotation.Then.DISABLE,
    expires_at: datetime | None = None,
) -> tuple[KeyRotation, Key, str]:
    """Create the successor (the old key is untouched if this fails) and schedule the switch."""
    now = timezone.now()
    if expires_at is None and key.expires_at and key.expires_at > now:
        expires_at = key.expires_at
    successor, secret = key_create(
        actor,
        name=key.name,
        replacing=key.hash,
        workspace_id=key.workspace_id,
        limit=key.limit,
        limit_reset=key.limit_reset,
        include_byok_in_limit=key.include_byok_in_limit,
        expires_at=expires_at,
        owner=key.owner,
        action="key.rotate_create",
    )
    with transaction.atomic():
        rotation = KeyRotation.objects.create(
            organisation=actor.organisation,
            old_key_hash=key.hash,
            old_key_name=key.name,
            new_key_hash=successor.hash,
            new_key_name=successor.name,
            then=then,
            run_at=now + transition,
            created_by=actor.user,
        )
        audit_record(
            actor,
            action="key.rotate",
            target_type="api_key",
            target_id=key.hash,
            target_label=key.name,
            after={
                "successor": successor.hash,
                "then": then,
                "run_at": rotation.run_at.isoformat(),
            },
        )
    return rotation, successor, secret


def rotation_cancel(actor: Actor, rotation: KeyRotation) -> KeyRotation:
    updated = KeyRotation.objects.filter(
        pk=rotation.pk, status=KeyRotation.Status.SCHEDULED
    ).update(status=KeyRotation.Status.CANCELLED, finished_at=timezone.now())
    if not updated:
        raise AlreadyDecided("This rotation has already run or been cancelled.")
    rotation.refresh_from_db()
    audit_record(
        actor,
        action="key.rotate_cancel",
        target_type="api_key",
        target_id=rotation.old_key_hash,
        target_label=rotation.old_key_name,
    )
    return rotation


def rotation_finish(rotation_id: int, now: datetime | None = None) -> str:
    """Disable or delete the old key, once, when due. Idempotent; safe to call early."""
    now = now or timezone.now()
    claimed = KeyRotation.objects.filter(
        pk=rotation_id, status=KeyRotation.Status.SCHEDULED, run_at__lte=now
    ).update(status=KeyRotation.Status.RUNNING)
    if not claimed:
        return "skipped"
    rotation = KeyRotation.objects.select_related("organisation").get(pk=rotation_id)
    actor = Actor.system(rotation.organisation, "key rotation")
    old = Key.objects.filter(organisation=rotation.organisation, hash=rotation.old_key_hash).first()
    try:
        if old is not None and rotation.then == KeyRotation.Then.DELETE:
            key_delete(actor, old)
        elif old is not None and not old.disabled:
            key_set_disabled(actor, old, True)
    except NotFound:
        pass
    except UpstreamError as exc:
        rotation.attempts += 1
        rotation.message = exc.user_message[:500]
        if rotation.attempts >= MAX_ATTEMPTS:
            rotation.status = KeyRotation.Status.FAILED
        else:
            rotation.status = KeyRotation.Status.SCHEDULED
            rotation.run_at = now + RETRY_AFTER
        rotation.save()
        return "retry" if rotation.status == KeyRotation.Status.SCHEDULED else "failed"
    rotation.status = KeyRotation.Status.DONE
    rotation.finished_at = now
    rotation.message = ""
    rotation.save()
    return "done"


def rotations_due(now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        KeyRotation.objects.filter(status=KeyRotation.Status.SCHEDULED, run_at__lte=now)
        .order_by("run_at")
        .values_list("pk", flat=True)
    )

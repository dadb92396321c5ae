"""Key creations whose answer never came back: written down first, found by the next sync.

``key_create`` records a :class:`KeyCreateAttempt` (committed) before it asks upstream.
A refusal marks it failed; an answer that never arrived (a timeout, a 408, a 5xx other
than 503, a response the console could not read) leaves it "unknown": upstream may have
created the key. The keys sync then matches keys it lists against unknown attempts by name,
workspace and creation time (``orphans_match``), and marks a match "created, secret not
received": the key is shown as such, with delete and rotate offered. No match within the
window means nothing was created.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.audit.context import Actor
from apps.audit.services import audit_record
from apps.gateway.errors import UpstreamError
from apps.keys.models import Key, KeyCreateAttempt

# A key created for an attempt carries a creation time between these bounds (upstream's
# clock may differ from ours a little; a create is answered, or abandoned, well within).
CLOCK_SKEW = timedelta(minutes=2)
MATCH_WINDOW = timedelta(minutes=10)
# A pending attempt older than this lost its process mid-call (a worker or web process
# died): its outcome is unknown too.
IN_FLIGHT_MAX = timedelta(minutes=5)

Status = KeyCreateAttempt.Status


def attempt_start(actor: Actor, *, name: str, workspace_id: str, owner, action: str):
    """Write the attempt down, committed, before anything is sent upstream."""
    return KeyCreateAttempt.objects.create(
        organisation=actor.organisation,
        name=name,
        workspace_id=workspace_id or "",
        action=action,
        actor=actor.user,
        owner=owner,
    )


def attempt_done(attempt: KeyCreateAttempt, key: Key) -> None:
    """The answer arrived (in the same transaction as the mirror write)."""
    KeyCreateAttempt.objects.filter(pk=attempt.pk).update(
        status=Status.DONE, key_hash=key.hash, finished_at=timezone.now(), error=""
    )
    if key.secret_not_received:  # a sync saw the key before the answer came: it did come
        Key.objects.filter(pk=key.pk).update(secret_not_received=False)
        key.secret_not_received = False


def attempt_failed(actor: Actor, attempt: KeyCreateAttempt, exc: UpstreamError) -> None:
    unknown = exc.outcome_unknown
    KeyCreateAttempt.objects.filter(pk=attempt.pk).update(
        status=Status.UNKNOWN if unknown else Status.FAILED,
        finished_at=timezone.now(),
        error=exc.user_message[:500],
    )
    if unknown:
        audit_record(
            actor,
            action="key.create_unconfirmed",
            target_type="api_key",
            target_label=attempt.name,
            after={"name": attempt.name, "workspace_id": attempt.workspace_id or None},
        )


def _unresolved(organisation, now: datetime):
    """Attempts whose outcome is not known: no answer, or a process that died mid-call."""
    return KeyCreateAttempt.objects.filter(organisation=organisation).filter(
        Q(status=Status.UNKNOWN) | Q(status=Status.PENDING, started_at__lt=now - IN_FLIGHT_MAX)
    )


def orphans_match(organisation, *, pass_started_at: datetime) -> int:
    """After a complete keys pass: mark keys made by unanswered attempts; returns how many.

    Each attempt takes the earliest unclaimed key with its name (and workspace) created
    within its window. An attempt whose window closed before the pass began, with no such
    key, made nothing.
    """
    found = 0
    now = timezone.now()
    attempts = list(_unresolved(organisation, now).order_by("started_at", "id"))
    if not attempts:
        return 0
    claimed = set(
        KeyCreateAttempt.objects.filter(organisation=organisation)
        .exclude(key_hash="")
        .values_list("key_hash", flat=True)
    )
    for attempt in attempts:
        candidates = Key.objects.filter(
            organisation=organisation,
            name=attempt.name,
            created_at__gte=attempt.started_at - CLOCK_SKEW,
            created_at__lte=attempt.started_at + MATCH_WINDOW,
        ).exclude(hash__in=claimed)
        if attempt.workspace_id:
            candidates = candidates.filter(workspace_id=attempt.workspace_id)
        key = candidates.order_by("created_at", "id").first()
        if key is None:
            if pass_started_at > attempt.started_at + MATCH_WINDOW + CLOCK_SKEW:
                KeyCreateAttempt.objects.filter(pk=attempt.pk).update(
                    status=Status.NOT_CREATED, finished_at=now
                )
            continue
        claimed.add(key.hash)
        _mark_orphan(attempt, key, now)
        found += 1
    return found


@transaction.atomic
def _mark_orphan(attempt: KeyCreateAttempt, key: Key, now: datetime) -> None:
    KeyCreateAttempt.objects.filter(pk=attempt.pk).update(
        status=Status.ORPHANED, key_hash=key.hash, finished_at=now
    )
    owner = attempt.owner or attempt.actor
    Key.objects.filter(pk=key.pk).update(
        secret_not_received=True,
        owner=owner,
        creator_label=owner.email if owner else key.creator_label,
    )
    audit_record(
        Actor.system(attempt.organisation, "keys sync"),
        action="key.secret_not_received",
        target_type="api_key",
        target_id=key.hash,
        target_label=key.name,
        after={
            "name": key.name,
            "created_at": key.created_at.isoformat(),
            "asked_by": str(owner or ""),
        },
    )

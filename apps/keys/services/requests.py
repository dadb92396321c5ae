"""Key requests: a member asks, an admin (or the auto-approve policy) decides, the
member reveals the secret once. The secret waits encrypted and is wiped on reveal or expiry.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from apps.accounts.models import Membership
from apps.accounts.roles import Perm, roles_with
from apps.audit.context import Actor
from apps.audit.services import audit_record
from apps.core.errors import ConsoleError, Invalid
from apps.gateway.errors import NotFound
from apps.keys.models import Key, KeyPolicy, KeyRequest
from apps.keys.services.errors import AlreadyDecided, DuplicateName, NotAllowed, RevealRefused
from apps.keys.services.keys import ensure_name_free, key_create, key_update

TARGET = "key_request"
_UNSET = object()


def _audit(actor: Actor, action: str, request: KeyRequest, **extra) -> None:
    audit_record(
        actor,
        action=action,
        target_type=TARGET,
        target_id=str(request.pk),
        target_label=request.name,
        **extra,
    )


def _summary(request: KeyRequest) -> dict:
    return {
        "kind": request.kind,
        "name": request.name,
        "workspace_id": request.workspace_id,
        "limit": request.limit,
        "limit_reset": request.limit_reset or None,
        "expires_at": request.expires_at.isoformat() if request.expires_at else None,
        "requester": request.requester.email,
    }


def policy_for(organisation) -> KeyPolicy:
    return KeyPolicy.objects.get_or_create(organisation=organisation)[0]


def policy_update(actor: Actor, *, auto_approve_limit: Decimal | None) -> KeyPolicy:
    policy = policy_for(actor.organisation)
    before = {"auto_approve_limit": str(policy.auto_approve_limit)}
    policy.auto_approve_limit = auto_approve_limit
    policy.save()
    audit_record(
        actor,
        action="key_policy.update",
        target_type="key_policy",
        target_id=str(policy.pk),
        target_label="Key settings",
        before=before,
        after={"auto_approve_limit": str(auto_approve_limit)},
    )
    return policy


def _auto_approvable(request: KeyRequest) -> bool:
    policy = KeyPolicy.objects.filter(organisation=request.organisation).first()
    return (
        policy is not None
        and policy.auto_approve_limit is not None
        and request.limit is not None
        and Decimal(str(request.limit)) <= policy.auto_approve_limit
    )


def key_request_create(
    actor: Actor,
    *,
    purpose: str,
    name: str,
    workspace_id: str = "",
    workspace_name: str = "",
    limit: float | None = None,
    limit_reset: str = "",
    expires_at: datetime | None = None,
    key: Key | None = None,
) -> KeyRequest:
    """File a request (a new key, or a higher limit on ``key``); auto-approve if policy allows."""
    if key is not None and key.owner_id != actor.user.pk:
        raise NotAllowed("You can only ask for a higher limit on your own keys.")
    if key is not None:
        _check_higher(key, limit)
    if key is None:
        ensure_name_free(actor.organisation, name)
        waiting = KeyRequest.objects.filter(
            organisation=actor.organisation,
            kind=KeyRequest.Kind.NEW,
            status__in=[KeyRequest.Status.PENDING, KeyRequest.Status.APPROVING],
            name__iexact=name.strip(),
        )
        if waiting.exists():
            raise DuplicateName(
                "A request for a key with this name is already waiting.", field="name"
            )
    request = KeyRequest.objects.create(
        organisation=actor.organisation,
        requester=actor.user,
        kind=KeyRequest.Kind.INCREASE if key else KeyRequest.Kind.NEW,
        name=key.name if key else name.strip(),
        purpose=purpose,
        workspace_id=key.workspace_id if key else workspace_id,
        workspace_name=key.workspace_name if key else workspace_name,
        limit=limit,
        limit_reset=limit_reset,
        expires_at=None if key else expires_at,
        key_hash=key.hash if key else "",
    )
    _audit(actor, "key_request.create", request, after=_summary(request))
    if _auto_approvable(request):
        system = Actor.system(actor.organisation, "auto-approve policy")
        # On failure it stays pending with failure_message, for an admin to retry.
        with contextlib.suppress(ConsoleError):
            key_request_approve(system, request, auto=True)
        request.refresh_from_db()
    if request.status == KeyRequest.Status.PENDING:
        transaction.on_commit(lambda: _notify_approvers(request))
    return request


def _check_higher(key: Key, limit: float | None) -> None:
    """A "higher limit" request must ask for more than the key has now."""
    if key.limit is None:
        raise Invalid("This key has no limit, so there is nothing to raise.", field="limit")
    if limit is None or limit <= key.limit:
        raise Invalid(f"Ask for more than the current limit of ${key.limit:,.2f}.", field="limit")


def _claim(request: KeyRequest) -> None:
    claimed = KeyRequest.objects.filter(pk=request.pk, status=KeyRequest.Status.PENDING).update(
        status=KeyRequest.Status.APPROVING
    )
    if not claimed:
        raise AlreadyDecided("This request has already been decided.")


@sensitive_variables("secret")
def key_request_approve(
    actor: Actor,
    request: KeyRequest,
    *,
    name=_UNSET,
    limit=_UNSET,
    limit_reset=_UNSET,
    expires_at=_UNSET,
    auto: bool = False,
) -> KeyRequest:
    """Create (or raise the limit of) the key upstream; on failure the request stays pending."""
    _claim(request)
    changed = {}
    overrides = {"limit": limit, "limit_reset": limit_reset, "expires_at": expires_at}
    if request.kind == KeyRequest.Kind.NEW:
        overrides["name"] = name
    for field, value in overrides.items():
        if value is not _UNSET and value != getattr(request, field):
            changed[field] = value
            setattr(request, field, value)
    try:
        if request.kind == KeyRequest.Kind.NEW:
            key, secret = key_create(
                actor,
                name=request.name,
                workspace_id=request.workspace_id,
                limit=request.limit,
                limit_reset=request.limit_reset,
                expires_at=request.expires_at,
                owner=request.requester,
            )
        else:
            key = Key.objects.filter(
                organisation=request.organisation, hash=request.key_hash
            ).first()
            if key is None:
                raise NotFound("The key this request is for no longer exists.")
            key = key_update(
                actor,
                key,
                limit=request.limit,
                limit_reset=request.limit_reset,
                action="key.set_limit",
            )
            secret = ""
    except ConsoleError as exc:
        # Nothing was made upstream (or the refusal came before): back to the queue, with why.
        KeyRequest.objects.filter(pk=request.pk).update(
            status=KeyRequest.Status.PENDING, failure_message=exc.user_message[:500]
        )
        request.refresh_from_db()
        raise
    now = timezone.now()
    request.status = KeyRequest.Status.APPROVED
    request.key_hash = key.hash
    request.decided_by = actor.user
    request.decided_at = now
    request.auto_approved = auto
    request.failure_message = ""
    if secret:
        request.secret = secret
        request.reveal_until = now + timedelta(days=settings.KEY_REVEAL_MAX_AGE_DAYS)
    with transaction.atomic():
        request.save()
        _audit(
            actor,
            "key_request.auto_approve" if auto else "key_request.approve",
            request,
            after={**_summary(request), "changed": sorted(changed)},
        )
        transaction.on_commit(lambda: _notify_requester(request))
    return request


def key_request_reject(actor: Actor, request: KeyRequest, *, reason: str) -> KeyRequest:
    updated = KeyRequest.objects.filter(pk=request.pk, status=KeyRequest.Status.PENDING).update(
        status=KeyRequest.Status.REJECTED,
        decided_by=actor.user,
        decided_at=timezone.now(),
        decision_reason=reason[:500],
    )
    if not updated:
        raise AlreadyDecided("This request has already been decided.")
    request.refresh_from_db()
    _audit(actor, "key_request.reject", request, after={"reason": request.decision_reason})
    transaction.on_commit(lambda: _notify_requester(request))
    return request


@sensitive_variables("secret")
def key_request_reveal(actor: Actor, request: KeyRequest) -> str:
    """The secret, once: it is wiped in the same transaction that hands it out.

    A secret whose time ran out is wiped when anyone asks for it (and by the minutely
    cleanup): the ciphertext never outlives its deadline by more than that.
    """
    refusal: RevealRefused | None = None
    with transaction.atomic():
        locked = KeyRequest.objects.select_for_update().get(pk=request.pk)
        if locked.requester_id != actor.user.pk:
            raise NotAllowed("Only the person who asked for this key can reveal it.")
        if locked.revealed_at is not None:
            raise RevealRefused("This key was already revealed. Ask for a new key if it was lost.")
        if not locked.can_reveal:
            if locked.secret:
                locked.secret = ""
                locked.save(update_fields=["secret"])
            refusal = RevealRefused(
                "This secret is no longer available: the time to reveal it ran out."
            )
        else:
            secret = locked.secret.reveal()
            locked.secret = ""
            locked.revealed_at = timezone.now()
            locked.save(update_fields=["secret", "revealed_at"])
            _audit(actor, "key_request.reveal", locked)
    if refusal is not None:
        raise refusal  # after the commit: the wipe stays
    return secret


def reveals_expire(now: datetime | None = None) -> int:
    """Wipe secrets nobody revealed in time (Celery beat runs this every minute)."""
    now = now or timezone.now()
    return (
        KeyRequest.objects.filter(reveal_until__lte=now, revealed_at__isnull=True)
        .exclude(secret="")
        .update(secret="")
    )


# --- notifications --------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return f"{settings.CONSOLE_URL.rstrip('/')}{path}"


def _notify_requester(request: KeyRequest) -> None:
    context = {"request": request, "link": _absolute(reverse("keys:mine"))}
    send_mail(
        subject=f"Your key request “{request.name}” was {request.get_status_display().lower()}",
        message=render_to_string("keys/email/request_decided.txt", context),
        from_email=None,
        recipient_list=[request.requester.email],
    )


def _notify_approvers(request: KeyRequest) -> None:
    emails = list(
        Membership.objects.filter(
            organisation=request.organisation, role__in=roles_with(Perm.APPROVE_KEY_REQUESTS)
        ).values_list("user__email", flat=True)
    )
    if not emails:
        return
    context = {"request": request, "link": _absolute(reverse("keys:requests"))}
    send_mail(
        subject=f"Key request from {request.requester.email}: {request.name}",
        message=render_to_string("keys/email/request_filed.txt", context),
        from_email=None,
        recipient_list=emails,
    )

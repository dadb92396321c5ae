"""Writes: the member directory from upstream, and links between console and upstream users."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from apps.accounts.models import Membership
from apps.audit.context import Actor
from apps.audit.services import audit_record
from apps.core.errors import ConsoleError, Gone, NotAllowed
from apps.gateway import auth as gateway_auth
from apps.gateway import keys as gateway_keys
from apps.gateway.errors import UpstreamError
from apps.members.models import ConnectAttempt, IssuedCode, UpstreamIdentity, UpstreamMember

CONNECT_TTL = timedelta(minutes=10)


def members_mirror(organisation, members: list[Any]) -> int:
    """Store the upstream directory (SDK ``OrganizationMember``s) and link console users
    with the same email. A link made by hand is never overwritten."""
    with transaction.atomic():
        for member in members:
            name = " ".join(p for p in (member.first_name, member.last_name) if p)
            UpstreamMember.objects.update_or_create(
                organisation=organisation,
                user_id=member.id,
                defaults={
                    "email": (member.email or "").lower(),
                    "name": name,
                    "role": _text(member.role),
                },
            )
        UpstreamMember.objects.filter(organisation=organisation).exclude(
            user_id__in=[m.id for m in members]
        ).delete()
        by_email = {(m.email or "").lower(): m.id for m in members if m.email}
        linked = set(
            UpstreamIdentity.objects.filter(organisation=organisation).values_list(
                "user_id", flat=True
            )
        )
        for membership in Membership.objects.filter(organisation=organisation).select_related(
            "user"
        ):
            upstream_id = by_email.get(membership.user.email.lower())
            if upstream_id and membership.user_id not in linked:
                UpstreamIdentity.objects.create(
                    organisation=organisation,
                    user=membership.user,
                    upstream_user_id=upstream_id,
                    source=UpstreamIdentity.Source.EMAIL,
                )
    return len(members)


def _text(value: Any) -> str:
    """An SDK enum member or an unrecognised plain string, as text."""
    return value.value if isinstance(value, Enum) else str(value or "")


def identity_set(
    *, actor: Actor, organisation, user, upstream_user_id: str
) -> UpstreamIdentity | None:
    """Say which upstream user a console member is (their keys are the ones they created)."""
    with transaction.atomic():
        current = UpstreamIdentity.objects.filter(organisation=organisation, user=user).first()
        before = {"upstream_user_id": current.upstream_user_id if current else ""}
        if not upstream_user_id:
            UpstreamIdentity.objects.filter(organisation=organisation, user=user).delete()
            result = None
        else:
            result, _ = UpstreamIdentity.objects.update_or_create(
                organisation=organisation,
                user=user,
                defaults={
                    "upstream_user_id": upstream_user_id,
                    "source": UpstreamIdentity.Source.MANUAL,
                },
            )
        audit_record(
            actor,
            action="member.identity_set",
            target_type="user",
            target_id=str(user.pk),
            target_label=user.email,
            before=before,
            after={"upstream_user_id": upstream_user_id},
        )
    return result


# --- Connect with OpenRouter (OAuth PKCE) ---------------------------------------------------


class ConnectRefused(Gone):
    """A callback the console will not act on (forged, replayed, expired, someone else's)."""


@dataclass(frozen=True)
class Connected:
    upstream_user_id: str
    key_hash: str
    secret: str | None = field(default=None, repr=False)  # only when the person asked for it


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def connect_page_origin(organisation) -> str:
    """Where the connect form's answer leads (upstream's authorisation page's origin)."""
    return gateway_auth.auth_page_origin(organisation)


@sensitive_variables("verifier")
def connect_start(
    *, organisation, user, session_key: str, callback_url: str, wants_key: bool
) -> str:
    """Make a single-use state and PKCE verifier for this person and browser session; the
    URL of upstream's authorisation page to send them to."""
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(48)  # 64 characters: RFC 7636 wants 43 to 128
    ConnectAttempt.objects.create(
        organisation=organisation,
        user=user,
        state_hash=_digest(state),
        session_hash=_digest(session_key),
        verifier=verifier,
        wants_key=wants_key,
        expires_at=timezone.now() + CONNECT_TTL,
    )
    separator = "&" if "?" in callback_url else "?"
    return gateway_auth.auth_page_url(
        organisation,
        callback_url=f"{callback_url}{separator}state={state}",
        code_challenge=gateway_auth.s256(verifier),
    )


def _claim(*, organisation, user, session_key: str, state: str) -> tuple[ConnectAttempt, str]:
    """Use up the attempt ``state`` names (committed before upstream is asked); its verifier."""
    with transaction.atomic():
        attempt = (
            ConnectAttempt.objects.select_for_update()
            .filter(organisation=organisation, state_hash=_digest(state or ""))
            .first()
        )
        if attempt is None:
            raise ConnectRefused(
                "This sign-in answer is not one the console asked for. Start again from your "
                "profile."
            )
        if attempt.user_id != user.pk or attempt.session_hash != _digest(session_key):
            raise NotAllowed(
                "This sign-in was started by someone else or in another browser session."
            )
        if attempt.used_at is not None:
            raise ConnectRefused("This sign-in answer was already used. Start again if needed.")
        if attempt.expires_at <= timezone.now():
            raise ConnectRefused("This sign-in took too long and expired. Start again.")
        verifier = attempt.verifier.reveal()
        attempt.used_at = timezone.now()
        attempt.verifier = ""
        attempt.save(update_fields=["used_at", "verifier"])
    return attempt, verifier


def _revoke(actor: Actor, organisation, key_hash: str, why: str) -> bool:
    try:
        gateway_keys.key_delete(organisation, key_hash)
    except UpstreamError:
        return False
    audit_record(
        actor,
        action="member.connect_key_revoked",
        target_type="key",
        target_id=key_hash,
        after={"reason": why},
    )
    return True


@sensitive_variables("verifier", "exchanged", "code")
def connect_finish(*, actor: Actor, organisation, session_key: str, state: str, code: str):
    """Check the callback, swap the code for a key through the gateway, link the member to
    the upstream user it names, then keep the key for a one-time reveal or revoke it."""
    attempt, verifier = _claim(
        organisation=organisation, user=actor.user, session_key=session_key, state=state
    )
    if not code:
        raise ConnectRefused("OpenRouter sent no authorisation code: nothing was linked.")
    try:
        exchanged = gateway_auth.auth_code_exchange(organisation, code=code, code_verifier=verifier)
    except UpstreamError as exc:
        if exc.status in (400, 403):
            raise ConnectRefused(
                "OpenRouter refused this authorisation code (already used, expired, or not "
                "made for this request). Start again."
            ) from None
        raise
    refusal = _link_refusal(organisation, actor.user, exchanged.user_id)
    if refusal:
        _revoke(actor, organisation, exchanged.key_hash, "not linked")
        raise refusal
    with transaction.atomic():
        current = UpstreamIdentity.objects.filter(organisation=organisation, user=actor.user)
        before = current.values_list("upstream_user_id", flat=True).first() or ""
        UpstreamIdentity.objects.update_or_create(
            organisation=organisation,
            user=actor.user,
            defaults={
                "upstream_user_id": exchanged.user_id,
                "source": UpstreamIdentity.Source.OAUTH,
            },
        )
        audit_record(
            actor,
            action="member.identity_connected",
            target_type="user",
            target_id=str(actor.user.pk),
            target_label=actor.user.email,
            before={"upstream_user_id": before},
            after={"upstream_user_id": exchanged.user_id},
        )
    if not attempt.wants_key:
        if not _revoke(actor, organisation, exchanged.key_hash, "link only"):
            raise ConsoleError(
                "Your account is linked, but the key OpenRouter made could not be revoked: "
                "ask an admin to delete it from the keys page."
            )
        return Connected(upstream_user_id=exchanged.user_id, key_hash=exchanged.key_hash)
    audit_record(
        actor,
        action="member.connect_key_revealed",
        target_type="key",
        target_id=exchanged.key_hash,
    )
    return Connected(
        upstream_user_id=exchanged.user_id, key_hash=exchanged.key_hash, secret=exchanged.secret
    )


def _link_refusal(organisation, user, upstream_user_id: str | None) -> ConsoleError | None:
    if not upstream_user_id:
        return ConnectRefused("OpenRouter did not say which user you are: nothing was linked.")
    directory = UpstreamMember.objects.filter(organisation=organisation)
    if directory.exists() and not directory.filter(user_id=upstream_user_id).exists():
        return NotAllowed(
            "That OpenRouter user is not a member of this organisation: nothing was linked."
        )
    taken = (
        UpstreamIdentity.objects.filter(
            organisation=organisation, upstream_user_id=upstream_user_id
        )
        .exclude(user=user)
        .exists()
    )
    if taken:
        return NotAllowed("That OpenRouter user is already linked to another console account here.")
    return None


# --- Codes an admin issues for someone to claim (``POST /auth/keys/code``) -------------------

# Upstream's codes live ten minutes (the sandbox's CODE_TTL); the console offers them as long.
ISSUED_CODE_TTL = timedelta(minutes=10)


@sensitive_variables("verifier", "code")
def code_issue(
    *,
    actor: Actor,
    organisation,
    for_user,
    key_label: str,
    callback_url: str,
    limit: float | None = None,
    limit_reset: str = "",
    workspace_id: str = "",
) -> IssuedCode:
    """Have upstream make a code (bound to a PKCE challenge whose verifier stays here) that
    ``for_user`` can claim as a key with this limit, reset and workspace."""
    verifier = secrets.token_urlsafe(48)
    code = gateway_auth.auth_code_create(
        organisation,
        callback_url=callback_url,
        code_challenge=gateway_auth.s256(verifier),
        key_label=key_label,
        limit=limit,
        usage_limit_type=limit_reset or None,
        workspace_id=workspace_id or None,
    )
    with transaction.atomic():
        issued = IssuedCode.objects.create(
            organisation=organisation,
            issued_by=actor.user,
            for_user=for_user,
            key_label=key_label,
            limit=limit,
            limit_reset=limit_reset,
            workspace_id=workspace_id,
            code=code,
            verifier=verifier,
            expires_at=timezone.now() + ISSUED_CODE_TTL,
        )
        audit_record(
            actor,
            action="member.auth_code_issued",
            target_type="user",
            target_id=str(for_user.pk),
            target_label=for_user.email,
            after={
                "key_label": key_label,
                "limit": limit,
                "limit_reset": limit_reset,
                "workspace_id": workspace_id,
            },
        )
    return issued


@sensitive_variables("code", "verifier", "exchanged")
def code_claim(*, actor: Actor, issued: IssuedCode) -> str:
    """The key a code issued for this person is worth, once (the code is used up first)."""
    with transaction.atomic():
        locked = IssuedCode.objects.select_for_update().get(pk=issued.pk)
        if locked.for_user_id != actor.user.pk:
            raise NotAllowed("This code was issued for someone else.")
        if locked.claimed_at is not None:
            raise ConnectRefused("This code was already claimed.")
        if locked.expires_at <= timezone.now():
            raise ConnectRefused("This code expired before it was claimed: ask for a new one.")
        code, verifier = locked.code.reveal(), locked.verifier.reveal()
        locked.code = locked.verifier = ""
        locked.claimed_at = timezone.now()
        locked.save(update_fields=["code", "verifier", "claimed_at"])
    try:
        exchanged = gateway_auth.auth_code_exchange(
            locked.organisation, code=code, code_verifier=verifier
        )
    except UpstreamError as exc:
        if exc.status in (400, 403):
            raise ConnectRefused(
                "OpenRouter refused this code (already used or expired): ask for a new one."
            ) from None
        raise
    audit_record(
        actor,
        action="member.auth_code_claimed",
        target_type="key",
        target_id=exchanged.key_hash,
        target_label=locked.key_label,
    )
    return exchanged.secret

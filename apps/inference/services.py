"""Choosing, making and rotating the ordinary keys inference runs on.

The one entry point other apps use is :func:`inference_key_for`: it answers an
:class:`InferenceKey` (credentials plus which key it is), from the person's console key
(made on first use) or the key they pasted for this session. Background work (polling,
file syncs) uses :func:`service_key_for`, the organisation's own console key.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.accounts.roles import Perm, role_allows
from apps.audit.context import Actor
from apps.audit.services import audit_record
from apps.core import crypto
from apps.core.errors import Invalid, NotAllowed
from apps.core.fields import Secret, reveal
from apps.gateway import inference as gateway
from apps.gateway.core import Credentials
from apps.gateway.errors import NotFound, UpstreamError
from apps.inference.models import ConsoleKey, InferenceSettings
from apps.keys.models import Key
from apps.keys.services import keys as key_services
from apps.keys.services.errors import DuplicateName

SESSION_SLOT = "inference.session_key"
TARGET = "console_key"


@dataclass(frozen=True)
class InferenceKey:
    """A key a person may run inference with, and how the console refers to it."""

    kind: str  # "console" (kept by the console) or "session" (pasted for this session)
    key_hash: str
    label: str
    creds: Credentials = field(repr=False)
    console_key: ConsoleKey | None = None


# --- settings ---------------------------------------------------------------------------------


def inference_settings(organisation) -> InferenceSettings:
    found, _ = InferenceSettings.objects.get_or_create(organisation=organisation)
    return found


def inference_settings_update(
    actor: Actor,
    *,
    daily_limit: Decimal,
    workspace_id: str = "",
    callback_secret: str | None = None,
) -> InferenceSettings:
    """Change the daily limit (applied to every active console key) and the workspace."""
    current = inference_settings(actor.organisation)
    before = {"daily_limit": str(current.daily_limit), "workspace_id": current.workspace_id}
    for console_key in ConsoleKey.objects.filter(organisation=actor.organisation, active=True):
        if console_key.daily_limit == daily_limit:
            continue
        mirror = Key.objects.filter(organisation=actor.organisation, hash=console_key.key_hash)
        if mirror.exists():
            key_services.key_set_limit(actor, mirror.get(), float(daily_limit), "daily")
        ConsoleKey.objects.filter(pk=console_key.pk).update(daily_limit=daily_limit)
    current.daily_limit = daily_limit
    current.workspace_id = workspace_id
    if callback_secret:
        current.callback_secret = callback_secret
    current.updated_at = timezone.now()
    current.save()
    after = {"daily_limit": str(daily_limit), "workspace_id": workspace_id}
    if callback_secret:
        after["callback_secret_changed"] = True
    audit_record(
        actor,
        action="inference.settings_update",
        target_type="organisation",
        target_id=str(actor.organisation.pk),
        target_label=actor.organisation.name,
        before=before,
        after=after,
    )
    return current


# --- console keys ------------------------------------------------------------------------------


def console_credentials(console_key: ConsoleKey) -> Credentials:
    return gateway.key_credentials(console_key.organisation.base_url, reveal(console_key.secret))


def _key_name(organisation, user) -> str:
    return (
        f"console playground · {user.email}" if user else f"console service · {organisation.slug}"
    )


def _make(actor: Actor, *, user, purpose: str, replacing: ConsoleKey | None = None) -> ConsoleKey:
    organisation = actor.organisation
    config = inference_settings(organisation)
    name = _key_name(organisation, user)
    fields = {
        "workspace_id": config.workspace_id,
        "limit": float(config.daily_limit),
        "limit_reset": "daily",
        "owner": user,
        "action": "console_key.create",
    }
    try:
        key, secret = key_services.key_create(
            actor, name=name, replacing=replacing.key_hash if replacing else "", **fields
        )
    except DuplicateName:
        # A key of that name exists that is not this one's predecessor: tell them apart.
        stamp = timezone.now().strftime("%Y%m%d%H%M%S")
        key, secret = key_services.key_create(actor, name=f"{name} · {stamp}", **fields)
    return ConsoleKey.objects.create(
        organisation=organisation,
        user=user,
        purpose=purpose,
        key_hash=key.hash,
        name=key.name,
        label=key.label,
        workspace_id=key.workspace_id,
        daily_limit=config.daily_limit,
        secret=Secret(secret),
    )


def _ensure(actor: Actor, *, user, purpose: str) -> ConsoleKey:
    organisation = actor.organisation
    lookup = {"organisation": organisation, "purpose": purpose, "active": True}
    if purpose == ConsoleKey.Purpose.PLAYGROUND:
        lookup["user"] = user
    existing = ConsoleKey.objects.filter(**lookup).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        # One creator at a time per organisation, so a double click makes one key.
        InferenceSettings.objects.select_for_update().filter(organisation=organisation).first()
        existing = ConsoleKey.objects.filter(**lookup).first()
        if existing is not None:
            return existing
        return _make(actor, user=user, purpose=purpose)


def console_key_for(actor: Actor, user) -> ConsoleKey:
    """The person's console key, made through the management API on first use."""
    inference_settings(actor.organisation)
    return _ensure(actor, user=user, purpose=ConsoleKey.Purpose.PLAYGROUND)


def service_key_for(organisation) -> ConsoleKey:
    """The organisation's own console key, for background reads (made on first use)."""
    inference_settings(organisation)
    actor = Actor.system(organisation, "console (service key)")
    return _ensure(actor, user=None, purpose=ConsoleKey.Purpose.SERVICE)


def _delete_upstream(actor: Actor, console_key: ConsoleKey) -> bool:
    """Delete the upstream key; ``False`` (and marked pending) when upstream is failing."""
    mirror = Key.objects.filter(organisation=console_key.organisation, hash=console_key.key_hash)
    try:
        if mirror.exists():
            key_services.key_delete(actor, mirror.get())
    except NotFound:
        pass
    except UpstreamError:
        ConsoleKey.objects.filter(pk=console_key.pk).update(delete_pending=True)
        return False
    ConsoleKey.objects.filter(pk=console_key.pk).update(delete_pending=False)
    return True


def _retire(console_key: ConsoleKey, reason: str) -> None:
    ConsoleKey.objects.filter(pk=console_key.pk).update(
        active=False, retired_at=timezone.now(), retired_reason=reason[:100]
    )


def console_key_rotate(
    actor: Actor, console_key: ConsoleKey, *, reason: str = "rotated"
) -> ConsoleKey:
    """A successor (same name, current limit), then the old key is deleted upstream."""
    if not console_key.active:
        raise Invalid("This key was already rotated or retired.")
    if actor.user is not None and console_key.user_id != actor.user.pk and not _can_manage(actor):
        raise NotAllowed("Only an admin may rotate another person's console key.")
    with transaction.atomic():
        _retire(console_key, reason)
        successor = _make(
            actor, user=console_key.user, purpose=console_key.purpose, replacing=console_key
        )
    audit_record(
        actor,
        action="console_key.rotate",
        target_type=TARGET,
        target_id=console_key.key_hash,
        target_label=console_key.name,
        after={"successor": successor.key_hash, "reason": reason},
    )
    _delete_upstream(actor, console_key)
    return successor


def _can_manage(actor: Actor) -> bool:
    membership = actor.organisation.memberships.filter(user=actor.user).first()
    return membership is not None and role_allows(membership.role, Perm.MANAGE_INFERENCE)


def console_keys_retire_for_user(organisation, user_id: int, *, reason: str) -> list[int]:
    """Stop using a departing person's console key at once; returns ids to delete upstream."""
    keys = list(ConsoleKey.objects.filter(organisation=organisation, user_id=user_id, active=True))
    for console_key in keys:
        _retire(console_key, reason)
        ConsoleKey.objects.filter(pk=console_key.pk).update(delete_pending=True)
    return [k.pk for k in keys]


def console_key_delete_upstream(console_key_id: int) -> bool:
    """Delete a retired console key upstream (idempotent; ``False`` to try again later)."""
    console_key = (
        ConsoleKey.objects.select_related("organisation").filter(pk=console_key_id).first()
    )
    if console_key is None or console_key.active or not console_key.delete_pending:
        return True
    actor = Actor.system(console_key.organisation, "console (owner left)")
    done = _delete_upstream(actor, console_key)
    if done:
        audit_record(
            actor,
            action="console_key.retire",
            target_type=TARGET,
            target_id=console_key.key_hash,
            target_label=console_key.name,
            after={"reason": console_key.retired_reason},
        )
    return done


# --- keys pasted for one session -----------------------------------------------------------------


def session_key_set(session, actor: Actor, secret: str, *, own_keys_only: bool) -> InferenceKey:
    """Check a pasted key with ``GET /key`` and hold it (encrypted) in this session only.

    It must be an ordinary key (not management) of this organisation — found in the keys
    mirror by its hash and label — and, for ``own_keys_only`` (members), one of theirs.
    """
    secret = secret.strip()
    if not secret.startswith("sk-or-"):
        raise Invalid("That does not look like an OpenRouter key (sk-or-…).", field="secret")
    key_hash = hashlib.sha256(secret.encode()).hexdigest()
    mirror = Key.objects.filter(organisation=actor.organisation, hash=key_hash).first()
    if mirror is None:
        raise Invalid(
            "That key is not one of this organisation's keys (or the key list has not synced "
            "since it was made).",
            field="secret",
        )
    if own_keys_only and mirror.owner_id != (actor.user.pk if actor.user else None):
        raise NotAllowed("You may only use your own keys.", field="secret")
    creds = gateway.key_credentials(actor.organisation.base_url, secret)
    info = gateway.key_current(creds)
    if info.is_management_key or info.is_provisioning_key:
        raise Invalid("That is a management key; inference needs an ordinary key.", field="secret")
    if mirror.label and info.label and info.label != mirror.label:
        raise Invalid("That key does not match this organisation's records.", field="secret")
    session[SESSION_SLOT] = {
        "organisation": actor.organisation.pk,
        "hash": key_hash,
        "label": mirror.label or info.label or "",
        "name": mirror.name,
        "token": crypto.encrypt(secret),
    }
    audit_record(
        actor,
        action="session_key.use",
        target_type="api_key",
        target_id=key_hash,
        target_label=mirror.name,
    )
    return InferenceKey("session", key_hash, mirror.label, creds)


def session_key(session, organisation) -> InferenceKey | None:
    held = session.get(SESSION_SLOT) if session is not None else None
    if not held or held.get("organisation") != organisation.pk:
        return None
    try:
        secret = crypto.decrypt(held["token"])
    except Exception:
        session.pop(SESSION_SLOT, None)
        return None
    creds = gateway.key_credentials(organisation.base_url, secret)
    return InferenceKey("session", held["hash"], held.get("label", ""), creds)


def session_key_label(session, organisation) -> dict | None:
    held = session.get(SESSION_SLOT) if session is not None else None
    if not held or held.get("organisation") != organisation.pk:
        return None
    return {"label": held.get("label", ""), "name": held.get("name", ""), "hash": held["hash"]}


def session_key_clear(session) -> None:
    with contextlib.suppress(KeyError):
        del session[SESSION_SLOT]


# --- the one entry point ------------------------------------------------------------------------


def inference_key_for(actor: Actor, *, session=None, prefer_session: bool = False) -> InferenceKey:
    """The key ``actor.user`` runs inference with: their session key when asked and held,
    else their console key (made on first use)."""
    if actor.user is None:
        raise NotAllowed("Inference needs a person.")
    if prefer_session:
        held = session_key(session, actor.organisation)
        if held is not None:
            return held
    console_key = console_key_for(actor, actor.user)
    return InferenceKey(
        "console",
        console_key.key_hash,
        console_key.label,
        console_credentials(console_key),
        console_key,
    )

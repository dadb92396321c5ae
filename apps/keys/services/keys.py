"""Writes on keys: gateway call, then the local mirror, then one audit entry per key."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from apps.audit.context import Actor
from apps.audit.services import audit_record
from apps.gateway import keys as gateway_keys
from apps.gateway.errors import NotFound, UpstreamError
from apps.keys.models import Key
from apps.keys.services.attempts import attempt_done, attempt_failed, attempt_start
from apps.keys.services.errors import CreateUnconfirmed, DuplicateName
from apps.keys.services.mirror import key_store
from apps.syncs.services import sync_request

KEYS_STREAM = "keys"  # apps.keys.syncs.STREAM (that module imports the services)

TARGET = "api_key"


def key_snapshot(key: Key) -> dict[str, Any]:
    """What an audit entry records about a key (never its secret)."""
    return {
        "name": key.name,
        "workspace_id": key.workspace_id,
        "disabled": key.disabled,
        "limit": key.limit,
        "limit_reset": key.limit_reset or None,
        "include_byok_in_limit": key.include_byok_in_limit,
        "expires_at": key.expires_at.isoformat() if key.expires_at else None,
    }


def _audit(actor: Actor, action: str, key: Key, *, before=None, after=None) -> None:
    audit_record(
        actor,
        action=action,
        target_type=TARGET,
        target_id=key.hash,
        target_label=key.name,
        before=before,
        after=after,
    )


def name_taken(organisation, name: str, *, exclude_hash: str = "") -> bool:
    qs = Key.objects.filter(organisation=organisation, name__iexact=name.strip())
    if exclude_hash:
        qs = qs.exclude(hash=exclude_hash)
    return qs.exists()


def ensure_name_free(organisation, name: str, *, exclude_hash: str = "") -> None:
    if name_taken(organisation, name, exclude_hash=exclude_hash):
        raise DuplicateName("A key with this name already exists.", field="name")


@sensitive_variables("secret")
def key_create(
    actor: Actor,
    *,
    name: str,
    workspace_id: str = "",
    limit: float | None = None,
    limit_reset: str = "",
    include_byok_in_limit: bool = False,
    expires_at: datetime | None = None,
    owner=None,
    action: str = "key.create",
    replacing: str = "",
) -> tuple[Key, str]:
    """Create a key upstream and mirror it; returns ``(key, secret)``. The secret is not kept.

    ``replacing`` is the hash of a key this one succeeds (rotation): it may share its name.
    """
    organisation = actor.organisation
    ensure_name_free(organisation, name, exclude_hash=replacing)
    owner = owner if owner is not None else actor.user
    # Written down (committed) first: if the answer never comes, the next sync finds the key.
    attempt = attempt_start(
        actor, name=name.strip(), workspace_id=workspace_id, owner=owner, action=action
    )
    try:
        data, secret = gateway_keys.key_create(
            organisation,
            name=name.strip(),
            workspace_id=workspace_id or None,
            limit=limit,
            limit_reset=limit_reset or None,
            include_byok_in_limit=include_byok_in_limit,
            expires_at=expires_at,
        )
    except UpstreamError as exc:
        attempt_failed(actor, attempt, exc)
        if not exc.outcome_unknown:
            raise
        sync_request(organisation=organisation, stream=KEYS_STREAM)  # look for it now
        raise CreateUnconfirmed() from None
    with transaction.atomic():
        key = key_store(
            organisation, data, owner=owner, creator_label=owner.email if owner else actor.label
        )
        attempt_done(attempt, key)
        _audit(actor, action, key, after=key_snapshot(key))
    return key, secret


def key_update(actor: Actor, key: Key, *, action: str = "key.update", **changes: Any) -> Key:
    """PATCH a key upstream (name, disabled, limit, limit_reset, include_byok_in_limit)."""
    if "name" in changes:
        changes["name"] = changes["name"].strip()
        ensure_name_free(actor.organisation, changes["name"], exclude_hash=key.hash)
    if "limit_reset" in changes:
        changes["limit_reset"] = changes["limit_reset"] or None
    before = key_snapshot(key)
    data = gateway_keys.key_update(actor.organisation, key.hash, **changes)
    with transaction.atomic():
        key = key_store(actor.organisation, data)
        _audit(actor, action, key, before=before, after=key_snapshot(key))
    return key


def key_rename(actor: Actor, key: Key, name: str) -> Key:
    return key_update(actor, key, name=name, action="key.rename")


def key_set_disabled(actor: Actor, key: Key, disabled: bool) -> Key:
    return key_update(
        actor, key, disabled=disabled, action="key.disable" if disabled else "key.enable"
    )


def key_set_limit(actor: Actor, key: Key, limit: float | None, limit_reset: str = "") -> Key:
    return key_update(actor, key, limit=limit, limit_reset=limit_reset, action="key.set_limit")


def key_settings_update(actor: Actor, key: Key, **changes: Any) -> Key:
    """Limit, reset, BYOK-in-limit and workspace from the key page; nothing sent if unchanged."""
    if not changes:
        return key
    return key_update(actor, key, action="key.update_settings", **changes)


def key_delete(actor: Actor, key: Key) -> None:
    before = key_snapshot(key)
    with contextlib.suppress(NotFound):  # already gone upstream: finish the job locally
        gateway_keys.key_delete(actor.organisation, key.hash)
    with transaction.atomic():
        Key.objects.filter(pk=key.pk).delete()
        _audit(actor, "key.delete", key, before=before)


# --- bulk (hygiene) -------------------------------------------------------------------------

BULK_ACTIONS = {"set_limit": "Set a limit", "disable": "Disable", "delete": "Delete"}


@dataclass
class BulkChange:
    key: Key
    before: str
    after: str


@dataclass
class BulkResult:
    done: list[Key] = field(default_factory=list)
    failed: list[tuple[Key, str]] = field(default_factory=list)


def bulk_preview(
    keys: list[Key], action: str, *, limit: float | None = None, limit_reset: str = ""
) -> list[BulkChange]:
    def limit_text(value, reset) -> str:
        return "no limit" if value is None else f"${value:,.2f} {reset or 'lifetime'}"

    changes = []
    for key in keys:
        if action == "set_limit":
            changes.append(
                BulkChange(
                    key, limit_text(key.limit, key.limit_reset), limit_text(limit, limit_reset)
                )
            )
        elif action == "disable":
            changes.append(BulkChange(key, key.state, "disabled"))
        else:
            changes.append(BulkChange(key, key.state, "deleted"))
    return changes


def keys_bulk_apply(
    actor: Actor,
    keys: list[Key],
    action: str,
    *,
    limit: float | None = None,
    limit_reset: str = "",
) -> BulkResult:
    """Apply one action key by key; a failure on one key does not stop the others."""
    result = BulkResult()
    for key in keys:
        try:
            if action == "set_limit":
                key_set_limit(actor, key, limit, limit_reset)
            elif action == "disable":
                key_set_disabled(actor, key, True)
            elif action == "delete":
                key_delete(actor, key)
            else:
                raise ValueError(f"unknown bulk action {action!r}")
            result.done.append(key)
        except UpstreamError as exc:
            result.failed.append((key, exc.user_message))
    return result

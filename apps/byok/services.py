"""Writes on BYOK credentials (gateway → mirror → audit) and the BYOK stream.

The secret (``key``) goes to upstream and nowhere else: it is not stored, not audited, not
logged, and scrubbed from any error upstream might echo it in. Audit entries record the
credential's public fields and its masked ``label`` before and after.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from apps.audit.context import Actor
from apps.byok.models import ByokCredential
from apps.core.times import as_datetime
from apps.gateway import byok as gateway_byok
from apps.gateway.errors import UpstreamError
from apps.syncs.mirror import upsert
from apps.syncs.runner import SyncContext
from apps.syncs.writes import MirrorWrites, named_field
from apps.workspaces.services import mirror_each_workspace

TARGET = "byok_credential"
MIRRORED_FIELDS = (
    "provider",
    "name",
    "label",
    "workspace_id",
    "disabled",
    "is_fallback",
    "is_required",
    "is_byok_only",
    "sort_order",
    "allowed_models",
    "allowed_user_ids",
    "allowed_api_key_hashes",
    "declared_region",
    "declared_zdr",
    "created_at",
    "synced_at",
)
# The body fields upstream names in its 400 messages, so the message lands on that field.
FIELDS = (
    "allowed_api_key_hashes",
    "allowed_user_ids",
    "allowed_models",
    "declared_region",
    "declared_zdr",
    "is_byok_only",
    "is_fallback",
    "is_required",
    "workspace_id",
    "provider",
    "name",
    "key",
)


# --- the mirror ------------------------------------------------------------------------------


def credential_from_upstream(organisation, data: Any, now: datetime) -> ByokCredential:
    """An unsaved row from the SDK's ``BYOKKey``."""
    return ByokCredential(
        organisation=organisation,
        byok_id=str(data.id),
        provider=str(data.provider),
        name=data.name or "",
        label=data.label,
        workspace_id=str(data.workspace_id) if data.workspace_id else "",
        disabled=data.disabled,
        is_fallback=data.is_fallback,
        is_required=data.is_required,
        is_byok_only=data.is_byok_only,
        sort_order=data.sort_order,
        allowed_models=list(data.allowed_models) if data.allowed_models is not None else None,
        allowed_user_ids=list(data.allowed_user_ids) if data.allowed_user_ids is not None else None,
        allowed_api_key_hashes=list(data.allowed_api_key_hashes)
        if data.allowed_api_key_hashes is not None
        else None,
        declared_region=str(data.declared_region or ""),
        declared_zdr=data.declared_zdr,
        created_at=as_datetime(data.created_at),
        synced_at=now,
    )


def credentials_store(organisation, listed: list[Any], now: datetime) -> list[ByokCredential]:
    fresh = [credential_from_upstream(organisation, d, now) for d in listed]
    return upsert(ByokCredential, fresh, id_field="byok_id", update_fields=MIRRORED_FIELDS)


def credential_store(organisation, data: Any) -> ByokCredential:
    credentials_store(organisation, [data], timezone.now())
    return ByokCredential.objects.get(organisation=organisation, byok_id=str(data.id))


def byok_sync_run(ctx: SyncContext) -> None:
    """Every workspace's credentials (each list also carries the shared ones), then the
    credentials no list showed are removed: deleted upstream."""
    mirror_each_workspace(
        ctx,
        model=ByokCredential,
        id_field="byok_id",
        fetch=lambda organisation, ws: gateway_byok.byok_list(organisation, workspace_id=ws),
        store=credentials_store,
        noun="credentials",
    )


# --- writes ----------------------------------------------------------------------------------


def snapshot(c: ByokCredential) -> dict[str, Any]:
    """What an audit entry records about a credential: never its secret."""
    return {
        "provider": c.provider,
        "name": c.name or None,
        "label": c.label,
        "workspace_id": c.workspace_id or None,
        "disabled": c.disabled,
        "is_fallback": c.is_fallback,
        "is_required": c.is_required,
        "is_byok_only": c.is_byok_only,
        "sort_order": c.sort_order,
        "allowed_models": c.allowed_models,
        "allowed_user_ids": c.allowed_user_ids,
        "allowed_api_key_hashes": c.allowed_api_key_hashes,
        "declared_region": c.declared_region or None,
        "declared_zdr": c.declared_zdr,
    }


def _on_field(exc: UpstreamError) -> UpstreamError:
    if exc.field is None:
        exc.field = named_field(exc, FIELDS)
    return exc


WRITES = MirrorWrites(
    noun="credential",
    target=TARGET,
    target_id=lambda c: c.byok_id,
    label=lambda c: f"{c.provider}: {c.display_name}",
    store=credential_store,
    snapshot=snapshot,
    explain=_on_field,
)


def byok_create(actor: Actor, *, provider: str, key: str, **fields: Any) -> ByokCredential:
    """Create a credential upstream and mirror it. ``fields``: ``name``, ``workspace_id``,
    the flags, allowlists (None = no restriction), ``declared_region``, ``declared_zdr``."""
    # Omitted means upstream's default: no name, the default workspace, no restriction, no
    # declaration. (An empty allowlist is refused upstream; the forms send None instead.)
    body = {k: v for k, v in fields.items() if v is not None and v != ""}
    return WRITES.create(
        actor,
        "byok.create",
        lambda: gateway_byok.byok_create(actor.organisation, provider=provider, key=key, **body),
        secrets=[key],
    )


def byok_update(
    actor: Actor, credential: ByokCredential, *, action: str = "byok.update", **changes: Any
) -> ByokCredential:
    """PATCH a credential. A change to ``None`` clears it upstream (allowlists, name,
    declarations); ``key`` (rotation) is accepted only through ``byok_rotate``."""
    if "key" in changes:
        raise ValueError("rotate the secret with byok_rotate")
    if not changes:
        return credential
    return _patch(actor, credential, action, changes, secret=None)


def _patch(actor, credential, action, changes, *, secret) -> ByokCredential:
    return WRITES.update(
        actor,
        credential,
        action,
        lambda: gateway_byok.byok_update(actor.organisation, credential.byok_id, **changes),
        secrets=[secret],
    )


def byok_rotate(actor: Actor, credential: ByokCredential, *, key: str) -> ByokCredential:
    """Replace the secret in place (PATCH ``key``); upstream regenerates the masked label."""
    return _patch(actor, credential, "byok.rotate", {"key": key}, secret=key)


def byok_set_disabled(actor: Actor, credential: ByokCredential, disabled: bool) -> ByokCredential:
    return byok_update(
        actor, credential, disabled=disabled, action="byok.disable" if disabled else "byok.enable"
    )


def byok_set_fallback(actor: Actor, credential: ByokCredential, fallback: bool) -> ByokCredential:
    """Move a credential after OpenRouter's shared capacity (fallback) or before it."""
    changes: dict[str, Any] = {"is_fallback": fallback}
    if fallback and credential.is_byok_only:
        # Upstream refuses the two together: a fallback cannot be "BYOK only".
        changes["is_byok_only"] = False
    return byok_update(
        actor,
        credential,
        action="byok.order_fallback" if fallback else "byok.order_prioritize",
        **changes,
    )


def byok_delete(actor: Actor, credential: ByokCredential) -> None:
    WRITES.delete(
        actor,
        credential,
        "byok.delete",
        lambda: gateway_byok.byok_delete(actor.organisation, credential.byok_id),
    )


def byok_move_to_end(actor: Actor, credential: ByokCredential, *, key: str) -> ByokCredential:
    """Move a credential to the end of its part of the try order.

    Upstream gives ``sort_order`` at creation (after the provider's last credential) and
    offers no way to change it, so the move re-creates the credential with the same settings
    and the secret pasted again, then deletes the old one. If that delete fails, the new one
    is kept and the refusal says both exist (nothing is left half-done without a word).
    """
    fresh = byok_create(
        actor,
        provider=credential.provider,
        key=key,
        name=credential.name or None,
        workspace_id=credential.workspace_id or None,
        disabled=credential.disabled,
        is_fallback=credential.is_fallback,
        is_required=credential.is_required,
        is_byok_only=credential.is_byok_only,
        allowed_models=credential.allowed_models,
        allowed_user_ids=credential.allowed_user_ids,
        allowed_api_key_hashes=credential.allowed_api_key_hashes,
        declared_region=credential.declared_region or None,
        declared_zdr=credential.declared_zdr,
    )
    try:
        byok_delete(actor, credential)
    except UpstreamError as exc:
        exc.message = (
            f"The credential was added again at the end of the order ({fresh.label}), but the "
            f"old one ({credential.label}) could not be deleted: {exc.message} Delete it to "
            "finish the move."
        )
        raise
    return fresh

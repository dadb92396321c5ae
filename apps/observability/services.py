"""Writes on observability destinations (gateway → mirror → audit) and their stream.

Config secrets (and custom header values) go to upstream and nowhere else: the mirror keeps
only which secrets are set and the header names; audit entries record the same; anything
upstream says back is scrubbed of what was typed.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.utils import timezone

from apps.audit.context import Actor
from apps.core.times import as_datetime
from apps.gateway import observability as gateway
from apps.gateway.errors import BadRequest, Conflict, UpstreamError
from apps.observability.models import Destination
from apps.observability.types import HEADERS, READ_ONLY, SECRETS
from apps.syncs.mirror import upsert
from apps.syncs.runner import SyncContext
from apps.syncs.writes import MirrorWrites
from apps.workspaces.services import mirror_each_workspace

TARGET = "observability_destination"
BROADCAST_FLAGS = (
    "broadcast_generation_cost",
    "broadcast_generation_cost_allocation",
    "broadcast_generation_identity",
    "broadcast_generation_request_context",
)
MIRRORED_FIELDS = (
    "type",
    "name",
    "workspace_id",
    "enabled",
    "privacy_mode",
    "sampling_rate",
    "api_key_hashes",
    "filter_rules",
    "regions",
    *BROADCAST_FLAGS,
    "config",
    "secret_fields",
    "header_names",
    "created_at",
    "updated_at",
    "synced_at",
)
# Body fields upstream names in its 400 messages (``config.apiKey …`` names a config field).
FIELDS = (
    "api_key_hashes",
    "sampling_rate",
    "filter_rules",
    "privacy_mode",
    "regions",
    "name",
    "type",
)
CONFIG_FIELD = re.compile(r"config\.([A-Za-z]+)")


# --- the mirror ------------------------------------------------------------------------------


def _config_parts(config: Any) -> tuple[dict, list[str], list[str]]:
    """``(public config, secret fields set, header names)`` of the SDK's config model."""
    raw = config.model_dump(by_alias=True, exclude_none=True) if config is not None else {}
    public = {k: v for k, v in raw.items() if k not in SECRETS and k != HEADERS}
    secrets = sorted(k for k, v in raw.items() if k in SECRETS and v)
    headers = sorted((raw.get(HEADERS) or {}).keys())
    return public, secrets, headers


def destination_from_upstream(organisation, data: Any, now: datetime) -> Destination:
    public, secrets, headers = _config_parts(data.config)
    rules = data.filter_rules
    return Destination(
        organisation=organisation,
        destination_id=str(data.id),
        type=str(data.type),
        name=data.name or "",
        workspace_id=str(data.workspace_id or ""),
        enabled=data.enabled,
        privacy_mode=data.privacy_mode,
        sampling_rate=float(data.sampling_rate),
        api_key_hashes=list(data.api_key_hashes) if data.api_key_hashes is not None else None,
        filter_rules=rules.model_dump(mode="json", exclude_none=True) if rules else None,
        regions=[str(r) for r in data.regions or []],
        **{flag: bool(getattr(data, flag)) for flag in BROADCAST_FLAGS},
        config=public,
        secret_fields=secrets,
        header_names=headers,
        created_at=as_datetime(data.created_at),
        updated_at=as_datetime(data.updated_at),
        synced_at=now,
    )


def destinations_store(organisation, listed: list[Any], now: datetime) -> list[Destination]:
    fresh = [
        destination_from_upstream(organisation, d, now)
        for d in listed
        if hasattr(d, "config")  # a type this SDK does not know is skipped
    ]
    return upsert(Destination, fresh, id_field="destination_id", update_fields=MIRRORED_FIELDS)


def destination_store(organisation, data: Any) -> Destination:
    destinations_store(organisation, [data], timezone.now())
    return Destination.objects.get(organisation=organisation, destination_id=str(data.id))


def observability_sync_run(ctx: SyncContext) -> None:
    """Every workspace's destinations (upstream lists one workspace at a time), then the
    destinations no list showed are removed: deleted upstream."""
    mirror_each_workspace(
        ctx,
        model=Destination,
        id_field="destination_id",
        fetch=lambda organisation, ws: gateway.destinations_list(organisation, workspace_id=ws),
        store=destinations_store,
        noun="destinations",
    )


# --- writes ----------------------------------------------------------------------------------


def snapshot(d: Destination) -> dict[str, Any]:
    """What an audit entry records about a destination: never a secret or a header value."""
    return {
        "type": d.type,
        "name": d.name or None,
        "workspace_id": d.workspace_id or None,
        "enabled": d.enabled,
        "privacy_mode": d.privacy_mode,
        "sampling_rate": d.sampling_rate,
        "api_key_hashes": d.api_key_hashes,
        "filter_rules": d.filter_rules,
        "regions": d.regions,
        **{flag: getattr(d, flag) for flag in BROADCAST_FLAGS},
        "config": {k: v for k, v in d.config.items() if k not in READ_ONLY},
        "secrets_set": d.secret_fields,
        "header_names": d.header_names,
    }


def _on_field(exc: UpstreamError) -> UpstreamError:
    """A refusal on the field it names (``config.apiKey`` → ``config_apiKey``); the cap on
    destinations per type said plainly."""
    if exc.field is None and isinstance(exc, BadRequest):
        said = exc.upstream_message
        if match := CONFIG_FIELD.search(said):
            exc.field = f"config_{match.group(1)}"
        else:
            lower = said.lower()
            exc.field = next((f for f in FIELDS if lower.startswith(f)), None)
    if isinstance(exc, Conflict) and "at most" in exc.upstream_message.lower():
        exc.message = (
            "This workspace already has the most destinations of this type OpenRouter allows "
            "(5): delete one first."
        )
    return exc


WRITES = MirrorWrites(
    noun="destination",
    target=TARGET,
    target_id=lambda d: d.destination_id,
    label=lambda d: f"{d.type}: {d.display_name}",
    store=destination_store,
    snapshot=snapshot,
    explain=_on_field,
)


def destination_create(
    actor: Actor, *, type_: str, secrets: list[str] = (), **body: Any
) -> Destination:
    """Create a destination upstream and mirror it. ``body``: the POST fields (``config``
    with its secrets); ``secrets``: the typed secret values, to scrub from errors."""
    fields = {k: v for k, v in body.items() if v is not None}
    return WRITES.create(
        actor,
        "observability.create",
        lambda: gateway.destination_create(actor.organisation, type_=type_, **fields),
        secrets=secrets,
    )


def destination_update(
    actor: Actor,
    destination: Destination,
    *,
    action: str = "observability.update",
    secrets: list[str] = (),
    **changes: Any,
) -> Destination:
    """PATCH a destination: ``config`` is merged upstream (a secret left out is kept);
    ``api_key_hashes``/``filter_rules`` set to None clear them."""
    return WRITES.update(
        actor,
        destination,
        action,
        lambda: gateway.destination_update(
            actor.organisation, destination.destination_id, **changes
        ),
        secrets=secrets,
    )


def destination_set_enabled(actor: Actor, destination: Destination, enabled: bool) -> Destination:
    return destination_update(
        actor,
        destination,
        enabled=enabled,
        action="observability.enable" if enabled else "observability.disable",
    )


def destination_delete(actor: Actor, destination: Destination) -> None:
    WRITES.delete(
        actor,
        destination,
        "observability.delete",
        lambda: gateway.destination_delete(actor.organisation, destination.destination_id),
    )

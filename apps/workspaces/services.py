"""Writes on workspaces: the mirror (workspaces stream), and the console's changes
(gateway → mirror → audit entry): settings, budgets, members, create and delete."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from apps.audit.context import Actor
from apps.audit.services import audit_outside_changes, audit_record
from apps.core.errors import Conflict
from apps.core.times import as_datetime
from apps.gateway import workspaces as gateway_workspaces
from apps.gateway.errors import BadRequest, UpstreamError
from apps.keys.models import Key
from apps.spend.models import Budget
from apps.syncs.runner import SyncContext
from apps.syncs.writes import MirrorWrites, named_field
from apps.workspaces.models import Workspace, WorkspaceMember

TARGET = "workspace"
# Broadest first: upstream requires lifetime > monthly > weekly > daily.
INTERVALS = ("lifetime", "monthly", "weekly", "daily")
MEMBERS_PER_CALL = 100  # upstream's maximum of user_ids per add/remove
# The body fields upstream names in its 400 messages, so the message lands on that field.
FIELDS = (
    "name",
    "slug",
    "description",
    "default_text_model",
    "default_image_model",
    "default_provider_sort",
    "disabled_server_tools",
    "io_logging_sampling_rate",
    "user_ids",
)

MIRRORED_FIELDS = (
    "name",
    "slug",
    "description",
    "created_by",
    "default_guardrail_id",
    "default_text_model",
    "default_image_model",
    "default_provider_sort",
    "io_logging_api_key_ids",
    "io_logging_sampling_rate",
    "is_data_discount_logging_enabled",
    "is_observability_broadcast_enabled",
    "is_observability_io_logging_enabled",
    "disabled_server_tools",
    "include_byok_in_budgets",
    "created_at",
    "updated_at",
    "synced_at",
)


def workspace_from_upstream(organisation, data: Any) -> Workspace:
    """An unsaved ``Workspace`` holding what upstream said (an SDK ``Workspace``)."""
    return Workspace(
        organisation=organisation,
        workspace_id=str(data.id),
        name=data.name,
        slug=data.slug or "",
        description=data.description or "",
        created_by=data.created_by or "",
        default_guardrail_id=data.default_guardrail_id or "",
        default_text_model=data.default_text_model or "",
        default_image_model=data.default_image_model or "",
        default_provider_sort=data.default_provider_sort or "",
        io_logging_api_key_ids=data.io_logging_api_key_ids,
        io_logging_sampling_rate=float(data.io_logging_sampling_rate),
        is_data_discount_logging_enabled=bool(data.is_data_discount_logging_enabled),
        is_observability_broadcast_enabled=bool(data.is_observability_broadcast_enabled),
        is_observability_io_logging_enabled=bool(data.is_observability_io_logging_enabled),
        disabled_server_tools=data.disabled_server_tools or None,
        include_byok_in_budgets=bool(data.include_byok_in_budgets),
        created_at=as_datetime(data.created_at),
        updated_at=as_datetime(data.updated_at),
        synced_at=timezone.now(),
    )


def workspaces_mirror(organisation, listed: list[Any]) -> list[Workspace]:
    """Store a complete upstream listing: upsert each workspace, drop those no longer listed;
    what changed upstream since the last listing is audited as an outside change."""
    fresh = [workspace_from_upstream(organisation, data) for data in listed]
    before = _snapshots(organisation)
    with transaction.atomic():
        Workspace.objects.bulk_create(
            fresh,
            update_conflicts=True,
            unique_fields=["organisation", "workspace_id"],
            update_fields=list(MIRRORED_FIELDS),
        )
        Workspace.objects.filter(organisation=organisation).exclude(
            workspace_id__in=[w.workspace_id for w in fresh]
        ).delete()
        if before:  # the first listing fills the mirror: nothing changed "outside" yet
            audit_outside_changes(
                organisation, target_type=TARGET, before=before, after=_snapshots(organisation)
            )
    return fresh


def members_mirror(organisation, workspace_id: str, listed: list[Any]) -> int:
    """Store one workspace's complete member list (SDK ``WorkspaceMember``)."""
    rows = [
        WorkspaceMember(
            organisation=organisation,
            workspace_id=workspace_id,
            user_id=str(m.user_id),
            role=str(m.role or ""),
            created_at=as_datetime(m.created_at),
        )
        for m in listed
    ]
    with transaction.atomic():
        WorkspaceMember.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["organisation", "workspace_id", "user_id"],
            update_fields=["role", "created_at"],
        )
        WorkspaceMember.objects.filter(
            organisation=organisation, workspace_id=workspace_id
        ).exclude(user_id__in=[r.user_id for r in rows]).delete()
    return len(rows)


def workspaces_sync_run(ctx: SyncContext) -> None:
    """Every workspace, then each one's members (a checkpoint after each workspace)."""
    organisation = ctx.organisation
    listed = workspaces_mirror(organisation, gateway_workspaces.workspaces_list(organisation))
    WorkspaceMember.objects.filter(organisation=organisation).exclude(
        workspace_id__in=[w.workspace_id for w in listed]
    ).delete()
    members = 0
    for ws in listed:
        members += members_mirror(
            organisation,
            ws.workspace_id,
            gateway_workspaces.workspace_members_list(organisation, ws.workspace_id),
        )
        ctx.checkpoint(workspace=ws.workspace_id)
    ctx.rows += len(listed) + members
    ctx.message = f"{len(listed)} workspaces, {members} memberships"


def _snapshots(organisation) -> dict[str, tuple[str, dict]]:
    return {
        ws.workspace_id: (ws.name, snapshot(ws))
        for ws in Workspace.objects.filter(organisation=organisation)
    }


def workspace_store(organisation, data: Any) -> Workspace:
    """Upsert one workspace from upstream's answer; returns the saved row."""
    fresh = workspace_from_upstream(organisation, data)
    Workspace.objects.bulk_create(
        [fresh],
        update_conflicts=True,
        unique_fields=["organisation", "workspace_id"],
        update_fields=list(MIRRORED_FIELDS),
    )
    return Workspace.objects.get(organisation=organisation, workspace_id=fresh.workspace_id)


# --- writes ----------------------------------------------------------------------------------


def snapshot(ws: Workspace) -> dict[str, Any]:
    return {name: getattr(ws, name) for name in MIRRORED_FIELDS if name not in _VOLATILE}


_VOLATILE = {"created_at", "updated_at", "synced_at", "created_by"}


def _on_field(exc: UpstreamError) -> UpstreamError:
    """Put an upstream 400 on the field it names (``slug must be …`` → ``slug``)."""
    if exc.field is None and isinstance(exc, BadRequest):
        exc.field = named_field(exc, FIELDS)
        if exc.field is None and "slug" in exc.upstream_message.lower():
            exc.field = "slug"
    return exc


WRITES = MirrorWrites(
    noun="workspace",
    target=TARGET,
    target_id=lambda ws: ws.workspace_id,
    label=lambda ws: ws.name,
    store=workspace_store,
    snapshot=snapshot,
    explain=_on_field,
)


def workspace_create(actor: Actor, *, name: str, slug: str, **settings: Any) -> Workspace:
    """Create a workspace upstream and mirror it; empty settings take upstream's defaults."""
    body = {k: v for k, v in settings.items() if v not in (None, "", [])}
    return WRITES.create(
        actor,
        "workspace.create",
        lambda: gateway_workspaces.workspace_create(
            actor.organisation, name=name, slug=slug, **body
        ),
    )


def workspace_update(actor: Actor, ws: Workspace, **changes: Any) -> Workspace:
    """PATCH the changed settings (``None`` clears a nullable one)."""
    if not changes:
        return ws
    return WRITES.update(
        actor,
        ws,
        "workspace.update",
        lambda: gateway_workspaces.workspace_update(actor.organisation, ws.workspace_id, **changes),
    )


def active_keys(ws: Workspace):
    """The keys (as last synced) that stop a delete: upstream refuses while any exists."""
    return Key.objects.filter(organisation=ws.organisation, workspace_id=ws.workspace_id).order_by(
        "name", "id"
    )


def workspace_delete(actor: Actor, ws: Workspace) -> None:
    """Delete a workspace; refused first (without asking upstream) while it holds keys."""
    keys = list(active_keys(ws).values_list("name", flat=True)[:6])
    if keys:
        shown = ", ".join(keys[:5]) + (" …" if len(keys) > 5 else "")
        raise Conflict(
            f"This workspace still has API keys ({shown}): delete them or move them to another "
            "workspace first.",
            field="confirm",
        )

    def forget() -> None:
        WorkspaceMember.objects.filter(
            organisation=ws.organisation, workspace_id=ws.workspace_id
        ).delete()
        Budget.objects.filter(
            organisation=ws.organisation, kind=Budget.Kind.WORKSPACE, workspace_id=ws.workspace_id
        ).delete()

    WRITES.delete(
        actor,
        ws,
        "workspace.delete",
        lambda: gateway_workspaces.workspace_delete(actor.organisation, ws.workspace_id),
        forget=forget,
    )


# --- members ---------------------------------------------------------------------------------


@dataclass
class BulkOutcome:
    """What a bulk change did: the ids applied, and those not applied with the reason."""

    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    error: UpstreamError | None = None


def _members_change(actor: Actor, ws: Workspace, user_ids: list[str], *, add: bool) -> BulkOutcome:
    call = (
        gateway_workspaces.workspace_members_add
        if add
        else gateway_workspaces.workspace_members_remove
    )
    outcome = BulkOutcome()
    ids = list(dict.fromkeys(user_ids))
    for start in range(0, len(ids), MEMBERS_PER_CALL):
        batch = ids[start : start + MEMBERS_PER_CALL]
        if outcome.error is not None:
            outcome.failed += batch
            continue
        try:
            WRITES.call(lambda b=batch: call(actor.organisation, ws.workspace_id, b))
        except UpstreamError as exc:
            outcome.error, outcome.failed = exc, outcome.failed + batch
            continue
        with transaction.atomic():
            if add:
                WorkspaceMember.objects.bulk_create(
                    [
                        WorkspaceMember(
                            organisation=ws.organisation,
                            workspace_id=ws.workspace_id,
                            user_id=u,
                            created_at=timezone.now(),
                        )
                        for u in batch
                    ],
                    ignore_conflicts=True,
                )
            else:
                WorkspaceMember.objects.filter(
                    organisation=ws.organisation, workspace_id=ws.workspace_id, user_id__in=batch
                ).delete()
            WRITES.audit(
                actor,
                "workspace.members_add" if add else "workspace.members_remove",
                ws,
                after={"user_ids": batch},
            )
        outcome.done += batch
    return outcome


def workspace_members_add(actor: Actor, ws: Workspace, user_ids: list[str]) -> BulkOutcome:
    return _members_change(actor, ws, user_ids, add=True)


def workspace_members_remove(actor: Actor, ws: Workspace, user_ids: list[str]) -> BulkOutcome:
    return _members_change(actor, ws, user_ids, add=False)


# --- budgets ---------------------------------------------------------------------------------


def workspace_budgets(ws: Workspace) -> dict[str, Budget]:
    """interval (``lifetime`` for upstream's null reset) → the mirrored budget."""
    rows = Budget.objects.filter(
        organisation=ws.organisation, kind=Budget.Kind.WORKSPACE, workspace_id=ws.workspace_id
    )
    return {(b.interval or "lifetime"): b for b in rows}


def budget_order_error(limits: dict[str, Decimal | None]) -> tuple[str, str] | None:
    """``(interval, message)`` when the limits break upstream's rule (each interval's limit
    below every broader one's), with the message upstream gives; else None."""
    present = [(i, limits[i]) for i in INTERVALS if limits.get(i) is not None]
    for b, (broad, broad_limit) in enumerate(present):
        for narrow, narrow_limit in present[b + 1 :]:
            if broad_limit <= narrow_limit:
                return narrow, (
                    f"The {broad} budget (${broad_limit:g}) must be greater than the "
                    f"{narrow} budget (${narrow_limit:g})"
                )
    return None


def _plan(current: dict[str, Decimal], wanted: dict[str, Decimal | None]) -> list[tuple]:
    """The calls, in an order that keeps upstream's rule true after each one: removals,
    then raises broadest first, then new budgets and cuts narrowest first."""
    removals = [(i, None) for i in INTERVALS if wanted.get(i) is None and i in current]
    raises = [
        (i, wanted[i])
        for i in INTERVALS
        if wanted.get(i) is not None and i in current and wanted[i] > current[i]
    ]
    cuts = [
        (i, wanted[i])
        for i in reversed(INTERVALS)
        if wanted.get(i) is not None and (i not in current or wanted[i] < current[i])
    ]
    return removals + raises + cuts


def workspace_budgets_save(
    actor: Actor, ws: Workspace, wanted: dict[str, Decimal | None]
) -> BulkOutcome:
    """Set (or remove, for None) each interval's budget; the mirror follows each call."""
    existing = workspace_budgets(ws)
    current = {i: b.limit_usd for i, b in existing.items()}
    outcome = BulkOutcome()
    for interval, limit in _plan(current, wanted):
        if outcome.error is not None:
            outcome.failed.append(interval)
            continue
        try:
            if limit is None:
                WRITES.call(
                    lambda i=interval: gateway_workspaces.workspace_budget_delete(
                        actor.organisation, ws.workspace_id, i
                    )
                )
            else:
                data = WRITES.call(
                    lambda i=interval, v=limit: gateway_workspaces.workspace_budget_set(
                        actor.organisation, ws.workspace_id, i, float(v)
                    )
                )
        except UpstreamError as exc:
            exc.field = exc.field or interval
            outcome.error = exc
            outcome.failed.append(interval)
            continue
        with transaction.atomic():
            if limit is None:
                existing[interval].delete()
            else:
                Budget.objects.filter(
                    organisation=ws.organisation,
                    kind=Budget.Kind.WORKSPACE,
                    workspace_id=ws.workspace_id,
                    interval="" if interval == "lifetime" else interval,
                ).exclude(ref=str(data.id)).delete()
                Budget.objects.update_or_create(
                    organisation=ws.organisation,
                    kind=Budget.Kind.WORKSPACE,
                    ref=str(data.id),
                    defaults={
                        "name": f"{ws.name} ({interval})",
                        "workspace_id": ws.workspace_id,
                        "limit_usd": Decimal(str(data.limit_usd)),
                        "interval": "" if interval == "lifetime" else interval,
                        "include_byok": ws.include_byok_in_budgets,
                        "synced_at": timezone.now(),
                    },
                )
            audit_record(
                actor,
                action="workspace.budget_remove" if limit is None else "workspace.budget_set",
                target_type=TARGET,
                target_id=ws.workspace_id,
                target_label=f"{ws.name} ({interval})",
                before={"limit_usd": str(current[interval])} if interval in current else None,
                after={"limit_usd": str(limit)} if limit is not None else None,
            )
        outcome.done.append(interval)
    return outcome


def mirror_each_workspace(
    ctx: SyncContext,
    *,
    model: type[models.Model],
    id_field: str,
    fetch: Callable[[Any, str], list[Any]],
    store: Callable[[Any, list[Any], datetime], list[models.Model]],
    noun: str,
) -> None:
    """A stream whose upstream lists one workspace at a time: the workspaces first (mirrored),
    then each one's rows (``fetch(organisation, workspace_id)``, ``store(organisation, rows,
    now)``) with a checkpoint after each, then the rows no list showed are removed."""
    organisation = ctx.organisation
    started = timezone.now()
    listed = gateway_workspaces.workspaces_list(organisation)
    workspaces_mirror(organisation, listed)
    seen: set[str] = set()
    for workspace in listed:
        page = fetch(organisation, str(workspace.id))
        with transaction.atomic():
            rows = store(organisation, page, timezone.now())
            ctx.checkpoint(workspace=str(workspace.id))
        seen |= {getattr(r, id_field) for r in rows}
    gone, _ = (
        model.objects.filter(organisation=organisation, synced_at__lt=started)
        .exclude(**{f"{id_field}__in": seen})
        .delete()
    )
    ctx.rows += len(seen)
    ctx.message = f"{len(seen)} {noun} synced" + (f", {gone} removed" if gone else "")

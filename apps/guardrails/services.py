"""Writes on guardrails (gateway → mirror → audit entry) and the guardrails stream.

Assigning a guardrail to a key or a member replaces the one it held (one per key and per
member, as upstream); the mirror follows each batch upstream accepted, so a bulk change that
fails part-way leaves the mirror true and says which items were applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.audit.context import Actor
from apps.audit.services import audit_outside_changes
from apps.core.times import as_datetime
from apps.gateway import guardrails as gateway_guardrails
from apps.gateway.errors import BadRequest, UpstreamError
from apps.guardrails.models import Guardrail, GuardrailKeyAssignment, GuardrailMemberAssignment
from apps.keys.services.mirror import key_guardrails_mirror
from apps.syncs.runner import SyncContext
from apps.syncs.writes import MirrorWrites, named_field
from apps.workspaces.models import Workspace

TARGET = "guardrail"
LISTS = (
    "allowed_models",
    "ignored_models",
    "allowed_providers",
    "ignored_providers",
    "allowed_data_regions",
)
FLAGS = (
    "enforce_zdr",
    "enforce_zdr_anthropic",
    "enforce_zdr_google",
    "enforce_zdr_openai",
    "enforce_zdr_xai",
    "enforce_zdr_other",
    "allow_safety_retention_google",
    "allow_safety_retention_other",
    "enable_free_model_publication",
    "enable_free_model_training",
    "enable_paid_model_training",
)
MIRRORED_FIELDS = (
    "name",
    "description",
    "workspace_id",
    "limit_usd",
    "reset_interval",
    "include_byok_in_budgets",
    *LISTS,
    "content_filters",
    "content_filter_builtins",
    *FLAGS,
    "created_at",
    "updated_at",
    "synced_at",
)
# The body fields upstream names in its 400 messages, so the message lands on that field.
FIELDS = (
    "limit_usd",
    "reset_interval",
    *LISTS,
    "content_filter_builtins",
    "content_filters",
    "name",
    "description",
    "workspace_id",
)


def _unset(value):
    """The SDK's UNSET (field absent) and None both mean "not set" in the mirror."""
    return value if isinstance(value, (str, int, float, bool, list, dict)) else None


def _entries(value) -> list[dict] | None:
    value = _unset(value)
    if value is None:
        return None
    return [e.model_dump(exclude_none=True) if hasattr(e, "model_dump") else dict(e) for e in value]


def guardrail_from_upstream(organisation, data: Any) -> Guardrail:
    """An unsaved row from the SDK's ``Guardrail``."""
    lists = {name: _unset(getattr(data, name, None)) for name in LISTS}
    return Guardrail(
        organisation=organisation,
        guardrail_id=str(data.id),
        name=data.name,
        description=_unset(data.description) or "",
        workspace_id=str(data.workspace_id or ""),
        limit_usd=_unset(data.limit_usd),
        reset_interval=str(_unset(data.reset_interval) or ""),
        include_byok_in_budgets=bool(data.include_byok_in_budgets),
        **{k: [str(v) for v in value] if value is not None else None for k, value in lists.items()},
        content_filters=_entries(data.content_filters),
        content_filter_builtins=_entries(data.content_filter_builtins),
        **{name: _unset(getattr(data, name, None)) for name in FLAGS},
        created_at=as_datetime(data.created_at),
        updated_at=as_datetime(_unset(data.updated_at)),
        synced_at=timezone.now(),
    )


def guardrails_store(organisation, listed: list[Any]) -> list[Guardrail]:
    rows = list(
        {
            g.guardrail_id: g for g in (guardrail_from_upstream(organisation, d) for d in listed)
        }.values()
    )
    Guardrail.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["organisation", "guardrail_id"],
        update_fields=list(MIRRORED_FIELDS),
    )
    return rows


def guardrail_store(organisation, data: Any) -> Guardrail:
    guardrails_store(organisation, [data])
    return Guardrail.objects.get(organisation=organisation, guardrail_id=str(data.id))


def guardrails_sync_run(ctx: SyncContext) -> None:
    """Each workspace's guardrails, then every key and member assignment: absolute values,
    so a change made outside the console shows after one interval."""
    organisation = ctx.organisation
    workspace_ids = list(
        Workspace.objects.filter(organisation=organisation).values_list("workspace_id", flat=True)
    ) or [None]
    before = _snapshots(organisation)
    seen: set[str] = set()
    for workspace_id in workspace_ids:
        rows = guardrails_store(
            organisation,
            gateway_guardrails.guardrails_list(organisation, workspace_id=workspace_id),
        )
        seen |= {g.guardrail_id for g in rows}
        ctx.checkpoint(workspace=workspace_id)
    keys = gateway_guardrails.guardrail_key_assignments(organisation)
    members = gateway_guardrails.guardrail_member_assignments(organisation)
    with transaction.atomic():
        Guardrail.objects.filter(organisation=organisation).exclude(guardrail_id__in=seen).delete()
        GuardrailKeyAssignment.objects.filter(organisation=organisation).delete()
        GuardrailKeyAssignment.objects.bulk_create(
            [
                GuardrailKeyAssignment(
                    organisation=organisation,
                    guardrail_id=str(a.guardrail_id),
                    key_hash=str(a.key_hash),
                    created_at=as_datetime(a.created_at),
                )
                for a in keys
            ],
            ignore_conflicts=True,
        )
        key_guardrails_mirror(organisation)
        GuardrailMemberAssignment.objects.filter(organisation=organisation).delete()
        GuardrailMemberAssignment.objects.bulk_create(
            [
                GuardrailMemberAssignment(
                    organisation=organisation,
                    guardrail_id=str(a.guardrail_id),
                    user_id=str(a.user_id),
                    created_at=as_datetime(a.created_at),
                )
                for a in members
            ],
            ignore_conflicts=True,
        )
    if before:  # the first sync fills the mirror: nothing was changed "outside" yet
        audit_outside_changes(
            organisation, target_type=TARGET, before=before, after=_snapshots(organisation)
        )
    ctx.rows += len(seen) + len(keys) + len(members)
    ctx.message = f"{len(seen)} guardrails, {len(keys)} key and {len(members)} member assignments"


def _snapshots(organisation) -> dict[str, tuple[str, dict]]:
    return {
        g.guardrail_id: (g.name, snapshot(g))
        for g in Guardrail.objects.filter(organisation=organisation)
    }


# --- writes ----------------------------------------------------------------------------------


def snapshot(g: Guardrail) -> dict[str, Any]:
    return {
        name: getattr(g, name)
        for name in MIRRORED_FIELDS
        if name not in ("created_at", "updated_at", "synced_at")
    }


def _on_field(exc: UpstreamError) -> UpstreamError:
    if exc.field is None and isinstance(exc, BadRequest):
        said = exc.upstream_message.lower()
        if "regex" in said or "pattern" in said:
            exc.field = "content_filters"
        else:
            exc.field = named_field(exc, FIELDS)
    return exc


WRITES = MirrorWrites(
    noun="guardrail",
    target=TARGET,
    target_id=lambda g: g.guardrail_id,
    label=lambda g: g.name,
    store=guardrail_store,
    snapshot=snapshot,
    explain=_on_field,
)


def guardrail_create(actor: Actor, *, name: str, **fields: Any) -> Guardrail:
    """Create a guardrail upstream (in ``workspace_id``) and mirror it."""
    body = {k: v for k, v in fields.items() if v is not None and v != ""}
    return WRITES.create(
        actor,
        "guardrail.create",
        lambda: gateway_guardrails.guardrail_create(actor.organisation, name=name, **body),
    )


def guardrail_update(actor: Actor, g: Guardrail, **changes: Any) -> Guardrail:
    if not changes:
        return g
    return WRITES.update(
        actor,
        g,
        "guardrail.update",
        lambda: gateway_guardrails.guardrail_update(actor.organisation, g.guardrail_id, **changes),
    )


def guardrail_delete(actor: Actor, g: Guardrail) -> None:
    def forget() -> None:
        for model in (GuardrailKeyAssignment, GuardrailMemberAssignment):
            model.objects.filter(organisation=g.organisation, guardrail_id=g.guardrail_id).delete()
        key_guardrails_mirror(g.organisation)

    WRITES.delete(
        actor,
        g,
        "guardrail.delete",
        lambda: gateway_guardrails.guardrail_delete(actor.organisation, g.guardrail_id),
        forget=forget,
    )


# --- assignments -----------------------------------------------------------------------------


@dataclass
class AssignOutcome:
    """What a bulk (un)assignment did: ids applied, ids not applied, and which of the applied
    ones held another guardrail that this one replaced."""

    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    error: UpstreamError | None = None


@dataclass(frozen=True)
class _Kind:
    model: type
    column: str
    noun: str
    # Names of the gateway functions, looked up at call time.
    assign: str
    unassign: str


KEYS = _Kind(
    GuardrailKeyAssignment,
    "key_hash",
    "keys",
    "guardrail_keys_assign",
    "guardrail_keys_unassign",
)
MEMBERS = _Kind(
    GuardrailMemberAssignment,
    "user_id",
    "members",
    "guardrail_members_assign",
    "guardrail_members_unassign",
)


def held_elsewhere(g: Guardrail, kind: _Kind, ids: list[str]) -> dict[str, str]:
    """id → the other guardrail it holds now (that an assignment of ``g`` would replace)."""
    return dict(
        kind.model.objects.filter(organisation=g.organisation, **{f"{kind.column}__in": ids})
        .exclude(guardrail_id=g.guardrail_id)
        .values_list(kind.column, "guardrail_id")
    )


def _change(actor: Actor, g: Guardrail, kind: _Kind, ids: list[str], *, assign: bool):
    outcome = AssignOutcome()
    ids = list(dict.fromkeys(ids))
    batch_size = gateway_guardrails.ASSIGN_BATCH
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        if outcome.error is not None:
            outcome.failed += batch
            continue
        replaced = held_elsewhere(g, kind, batch) if assign else {}
        operation = getattr(gateway_guardrails, kind.assign if assign else kind.unassign)
        try:
            WRITES.call(lambda b=batch, op=operation: op(actor.organisation, g.guardrail_id, b))
        except UpstreamError as exc:
            outcome.error, outcome.failed = exc, outcome.failed + batch
            continue
        with transaction.atomic():
            mine = kind.model.objects.filter(organisation=g.organisation)
            if assign:
                mine.filter(**{f"{kind.column}__in": batch}).delete()
                kind.model.objects.bulk_create(
                    [
                        kind.model(
                            organisation=g.organisation,
                            guardrail_id=g.guardrail_id,
                            created_at=timezone.now(),
                            **{kind.column: i},
                        )
                        for i in batch
                    ]
                )
            else:
                mine.filter(guardrail_id=g.guardrail_id, **{f"{kind.column}__in": batch}).delete()
            if kind is KEYS:
                key_guardrails_mirror(g.organisation, batch)
            verb = "assign" if assign else "unassign"
            WRITES.audit(
                actor,
                f"guardrail.{verb}_{kind.noun}",
                g,
                before={"replaced": replaced} if replaced else None,
                after={kind.noun: batch},
            )
        outcome.done += batch
        outcome.replaced += list(replaced)
    return outcome


def guardrail_assign_keys(actor: Actor, g: Guardrail, hashes: list[str]) -> AssignOutcome:
    return _change(actor, g, KEYS, hashes, assign=True)


def guardrail_unassign_keys(actor: Actor, g: Guardrail, hashes: list[str]) -> AssignOutcome:
    return _change(actor, g, KEYS, hashes, assign=False)


def guardrail_assign_members(actor: Actor, g: Guardrail, user_ids: list[str]) -> AssignOutcome:
    return _change(actor, g, MEMBERS, user_ids, assign=True)


def guardrail_unassign_members(actor: Actor, g: Guardrail, user_ids: list[str]) -> AssignOutcome:
    return _change(actor, g, MEMBERS, user_ids, assign=False)


def guardrail_default_configure(actor: Actor, workspace: Workspace) -> Guardrail:
    """Set up a workspace's default guardrail: upstream holds one per workspace that does
    nothing until it is first edited (a PATCH makes it real); it then applies to every key
    and member of the workspace."""
    return WRITES.create(
        actor,
        "guardrail.default_configure",
        lambda: gateway_guardrails.guardrail_update(
            actor.organisation,
            workspace.default_guardrail_id,
            name=f"{workspace.name} default",
        ),
    )

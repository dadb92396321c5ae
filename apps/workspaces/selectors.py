"""Reads of the workspace mirror, scoped to one organisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from apps.guardrails.models import Guardrail
from apps.keys.models import Key
from apps.members.models import UpstreamMember
from apps.members.selectors import people_labels, upstream_ids_of
from apps.spend.models import SpendFact
from apps.spend.periods import utc_today
from apps.spend.spent import spent_in_window
from apps.workspaces.models import Workspace, WorkspaceMember


def workspace_choices(organisation) -> list[tuple[str, str]]:
    """``(workspace_id, name)`` for pickers and filters, by name."""
    return list(
        Workspace.objects.filter(organisation=organisation)
        .order_by("name", "id")
        .values_list("workspace_id", "name")
    )


def workspace_names(organisation) -> dict[str, str]:
    return dict(
        Workspace.objects.filter(organisation=organisation).values_list("workspace_id", "name")
    )


def workspace_ids(organisation) -> list[str]:
    """Every mirrored workspace id, in a stable order (the keys sync pages them in it)."""
    return list(
        Workspace.objects.filter(organisation=organisation)
        .order_by("created_at", "workspace_id")
        .values_list("workspace_id", flat=True)
    )


# --- the workspaces pages ------------------------------------------------------------------


@dataclass
class WorkspaceMemberRow:
    user_id: str
    label: str
    email: str
    role: str
    keys: int


def workspaces_visible(organisation, user, *, see_all: bool):
    """The workspaces a person may read: every one, or (a member) the ones they belong to."""
    qs = Workspace.objects.filter(organisation=organisation)
    if see_all:
        return qs
    mine = WorkspaceMember.objects.filter(
        organisation=organisation, user_id__in=upstream_ids_of(organisation, user)
    ).values("workspace_id")
    return qs.filter(workspace_id__in=mine)


def _count(model, **outer):
    rows = model.objects.filter(**outer).order_by().values("organisation")
    return Subquery(rows.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField())


def workspace_rows(visible, *, q: str = "", sort: str = "name") -> list[Workspace]:
    """The list page: search on name, slug and description; key and member counts."""
    qs = visible.annotate(
        key_count=Coalesce(
            _count(
                Key,
                organisation=OuterRef("organisation"),
                workspace_id=OuterRef("workspace_id"),
            ),
            0,
        ),
        member_count=Coalesce(
            _count(
                WorkspaceMember,
                organisation=OuterRef("organisation"),
                workspace_id=OuterRef("workspace_id"),
            ),
            0,
        ),
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(slug__icontains=q) | Q(description__icontains=q))
    order = {"-created": ["-created_at", "name"], "-keys": ["-key_count", "name"]}
    return list(qs.order_by(*order.get(sort, ["name", "id"]))[:500])


def workspace_members(workspace: Workspace) -> list[WorkspaceMemberRow]:
    """The workspace's members, named from the directory, with their keys in it."""
    organisation = workspace.organisation
    directory = {m.user_id: m for m in UpstreamMember.objects.filter(organisation=organisation)}
    labels = people_labels(organisation)
    keys = dict(
        Key.objects.filter(organisation=organisation, workspace_id=workspace.workspace_id)
        .order_by()
        .values("creator_user_id")
        .annotate(n=Count("pk"))
        .values_list("creator_user_id", "n")
    )
    rows = []
    for m in WorkspaceMember.objects.filter(
        organisation=organisation, workspace_id=workspace.workspace_id
    ):
        known = directory.get(m.user_id)
        rows.append(
            WorkspaceMemberRow(
                user_id=m.user_id,
                label=labels.get(m.user_id, m.user_id),
                email=known.email if known else "",
                role=m.role,
                keys=keys.get(m.user_id, 0),
            )
        )
    return sorted(rows, key=lambda r: r.label.lower())


def member_candidates(workspace: Workspace, q: str = "") -> list[tuple[str, str]]:
    """Organisation members not yet in the workspace, ``(user_id, label)``, searchable."""
    present = WorkspaceMember.objects.filter(
        organisation=workspace.organisation, workspace_id=workspace.workspace_id
    ).values("user_id")
    qs = UpstreamMember.objects.filter(organisation=workspace.organisation).exclude(
        user_id__in=present
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(email__icontains=q) | Q(user_id__icontains=q))
    return [(m.user_id, f"{m.label} ({m.email})" if m.email and m.name else m.label) for m in qs]


def workspace_keys(workspace: Workspace) -> list[Key]:
    return list(
        Key.objects.filter(
            organisation=workspace.organisation, workspace_id=workspace.workspace_id
        ).order_by("name", "id")
    )


def default_guardrail(workspace: Workspace) -> Guardrail | None:
    """The workspace's default guardrail, once it exists upstream (configured)."""
    if not workspace.default_guardrail_id:
        return None
    return Guardrail.objects.filter(
        organisation=workspace.organisation, guardrail_id=workspace.default_guardrail_id
    ).first()


@dataclass
class BudgetBlock:
    """A budget change that would block the workspace at once: its limit is already spent."""

    interval: str
    limit: Decimal
    spent: Decimal
    keys: list[str]  # the keys that called in the last days (names), all of which it stops
    models: list[str]  # what they called


def budgets_would_block(
    ws: Workspace, wanted: dict[str, Decimal | None], current: dict[str, Decimal], *, days: int = 7
) -> list[BudgetBlock]:
    """Each new or changed limit already reached by this window's spend (from the spend
    cache), with the keys of the workspace that called in the last ``days`` days: a workspace
    budget refuses every one of them once it is reached."""
    org = ws.organisation
    today = utc_today()
    reached = []
    for interval, limit in wanted.items():
        if limit is None or current.get(interval) == limit:
            continue
        window = "" if interval == "lifetime" else interval
        spent = spent_in_window(
            org, window, ws.include_byok_in_budgets, today, workspace_id=ws.workspace_id
        )
        if spent >= limit:
            reached.append((interval, limit, spent))
    if not reached:
        return []
    calls = (
        SpendFact.objects.filter(
            organisation=org, workspace_id=ws.workspace_id, date__gte=today - timedelta(days=days)
        )
        .exclude(key_hash="")
        .order_by()
        .values_list("key_hash", "model")
        .distinct()
    )
    hashes = sorted({h for h, _m in calls})
    names = dict(Key.objects.filter(organisation=org, hash__in=hashes).values_list("hash", "name"))
    keys = sorted(names.get(h, h) for h in hashes)
    models = sorted({m for _h, m in calls})
    return [BudgetBlock(i, limit, spent, keys, models) for i, limit, spent in reached]

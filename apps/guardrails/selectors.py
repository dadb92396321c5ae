"""Reads of the guardrail mirror for the pages, scoped to one organisation; never upstream."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from apps.catalog.selectors import models_lookup
from apps.core.periods import utc_today, window_start
from apps.guardrails.models import Guardrail, GuardrailKeyAssignment, GuardrailMemberAssignment
from apps.keys.models import Key
from apps.members.models import UpstreamMember
from apps.members.selectors import people_labels, upstream_ids_of
from apps.spend.models import SpendFact
from apps.spend.money import to_dollars
from apps.workspaces.models import Workspace

PICK_LIMIT = 200  # options shown at once in an assignment list; search narrows


@dataclass
class Candidate:
    value: str
    label: str
    holds: str = ""  # the name of the guardrail it holds now (an assignment replaces it)


def _count(model, **outer):
    rows = model.objects.filter(**outer).order_by().values("organisation")
    return Subquery(rows.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField())


def guardrail_rows(organisation, *, q: str = "", workspace_id: str = "") -> list[Guardrail]:
    """The list: key and member counts, whether it is a workspace's default, search."""
    defaults = Workspace.objects.filter(
        organisation=organisation, default_guardrail_id=OuterRef("guardrail_id")
    ).values("name")[:1]
    qs = Guardrail.objects.filter(organisation=organisation).annotate(
        key_count=Coalesce(
            _count(
                GuardrailKeyAssignment,
                organisation=OuterRef("organisation"),
                guardrail_id=OuterRef("guardrail_id"),
            ),
            0,
        ),
        member_count=Coalesce(
            _count(
                GuardrailMemberAssignment,
                organisation=OuterRef("organisation"),
                guardrail_id=OuterRef("guardrail_id"),
            ),
            0,
        ),
        default_of=Subquery(defaults),
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(description__icontains=q))
    if workspace_id:
        qs = qs.filter(workspace_id=workspace_id)
    return list(qs.order_by("name", "id")[:500])


def guardrail_names(organisation) -> dict[str, str]:
    return dict(
        Guardrail.objects.filter(organisation=organisation).values_list("guardrail_id", "name")
    )


def default_of(g: Guardrail) -> Workspace | None:
    """The workspace whose default guardrail this is, if any."""
    return Workspace.objects.filter(
        organisation=g.organisation, default_guardrail_id=g.guardrail_id
    ).first()


def assigned_keys(g: Guardrail) -> list[Key]:
    hashes = GuardrailKeyAssignment.objects.filter(
        organisation=g.organisation, guardrail_id=g.guardrail_id
    ).values("key_hash")
    return list(Key.objects.filter(organisation=g.organisation, hash__in=hashes).order_by("name"))


def assigned_members(g: Guardrail) -> list[tuple[str, str]]:
    """``(user_id, label)`` of the members holding ``g``."""
    labels = people_labels(g.organisation)
    ids = GuardrailMemberAssignment.objects.filter(
        organisation=g.organisation, guardrail_id=g.guardrail_id
    ).values_list("user_id", flat=True)
    return sorted(((u, labels.get(u, u)) for u in ids), key=lambda p: p[1].lower())


def key_candidates(g: Guardrail, q: str = "", limit: int | None = PICK_LIMIT) -> list[Candidate]:
    """Keys of the guardrail's workspace not holding it yet (a key of another workspace
    cannot take it), with the guardrail each holds now; the first ``limit`` by name, chosen
    in SQL whatever the number of keys."""
    mine = GuardrailKeyAssignment.objects.filter(organisation=g.organisation)
    qs = Key.objects.filter(organisation=g.organisation).exclude(
        hash__in=mine.filter(guardrail_id=g.guardrail_id).values("key_hash")
    )
    if g.workspace_id:
        qs = qs.filter(workspace_id=g.workspace_id)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(label__icontains=q))
    qs = qs.annotate(
        holds=Subquery(mine.filter(key_hash=OuterRef("hash")).values("guardrail_id")[:1])
    ).order_by("name", "id")
    rows = qs.values_list("hash", "name", "label", "holds")
    names = guardrail_names(g.organisation)
    return [
        Candidate(h, f"{name} ({label})", names.get(holds or "", ""))
        for h, name, label, holds in (rows[:limit] if limit is not None else rows)
    ]


def member_candidates(g: Guardrail, q: str = "", limit: int | None = PICK_LIMIT) -> list[Candidate]:
    """Organisation members not holding the guardrail yet, with the one each holds now."""
    mine = GuardrailMemberAssignment.objects.filter(organisation=g.organisation)
    qs = UpstreamMember.objects.filter(organisation=g.organisation).exclude(
        user_id__in=mine.filter(guardrail_id=g.guardrail_id).values("user_id")
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(email__icontains=q))
    qs = qs.annotate(
        holds=Subquery(mine.filter(user_id=OuterRef("user_id")).values("guardrail_id")[:1])
    ).order_by("name", "email")
    names = guardrail_names(g.organisation)
    return [
        Candidate(m.user_id, m.label, names.get(m.holds or "", ""))
        for m in (qs[:limit] if limit is not None else qs)
    ]


@dataclass
class AssignmentRow:
    kind: str  # "key" | "member"
    subject: str
    guardrail: Guardrail


ASSIGNMENTS_SHOWN = 500


def assignments_all(
    organisation, *, q: str = "", kind: str = "", limit: int = ASSIGNMENTS_SHOWN
) -> tuple[list[AssignmentRow], int]:
    """The organisation's assignments (``kind``: "key", "member" or both) whose guardrail,
    key or member matches ``q``, by guardrail then subject: the first ``limit``, and how many
    match in all. Names are joined in SQL, so the cost follows ``limit``, not the size."""
    guardrails = {g.guardrail_id: g for g in Guardrail.objects.filter(organisation=organisation)}
    named = {i for i, g in guardrails.items() if q and q.lower() in g.name.lower()}
    found: list[tuple[str, str, str]] = []  # (kind, subject, guardrail id)
    total = 0
    if kind in ("", "key"):
        keys = GuardrailKeyAssignment.objects.filter(
            organisation=organisation, guardrail_id__in=guardrails
        ).annotate(
            subject=Coalesce(
                Subquery(
                    Key.objects.filter(organisation=organisation, hash=OuterRef("key_hash")).values(
                        "name"
                    )[:1]
                ),
                "key_hash",
            )
        )
        if q:
            keys = keys.filter(Q(subject__icontains=q) | Q(guardrail_id__in=named))
        total += keys.count()
        found += [("key", s, g) for s, g in keys.values_list("subject", "guardrail_id")[:limit]]
    if kind in ("", "member"):
        labels = people_labels(organisation)
        members = GuardrailMemberAssignment.objects.filter(
            organisation=organisation, guardrail_id__in=guardrails
        ).values_list("user_id", "guardrail_id")
        rows = [
            ("member", labels.get(u, u), g)
            for u, g in members
            if not q or g in named or q.lower() in labels.get(u, u).lower()
        ]
        total += len(rows)
        found += rows
    found.sort(key=lambda r: (guardrails[r[2]].name.lower(), r[0], r[1].lower()))
    return [AssignmentRow(k, s, guardrails[g]) for k, s, g in found[:limit]], total


def as_model_ids(organisation, values: list[str] | None) -> list[str] | None:
    """Upstream's canonical (versioned) slugs as the catalog's model ids, for the pickers."""
    if values is None:
        return None
    found = models_lookup(organisation, values)
    return list(dict.fromkeys(found[v].model_id if v in found else v for v in values))


def keys_holding(g: Guardrail) -> list[str]:
    """Hashes of every key ``g`` applies to: assigned, created by a member holding it, or in
    the workspace it is the default of."""
    org = g.organisation
    hashes = set(
        GuardrailKeyAssignment.objects.filter(
            organisation=org, guardrail_id=g.guardrail_id
        ).values_list("key_hash", flat=True)
    )
    members = GuardrailMemberAssignment.objects.filter(
        organisation=org, guardrail_id=g.guardrail_id
    ).values("user_id")
    hashes |= set(
        Key.objects.filter(organisation=org, creator_user_id__in=members).values_list(
            "hash", flat=True
        )
    )
    defaults = Workspace.objects.filter(
        organisation=org, default_guardrail_id=g.guardrail_id
    ).values("workspace_id")
    hashes |= set(
        Key.objects.filter(organisation=org, workspace_id__in=defaults).values_list(
            "hash", flat=True
        )
    )
    return sorted(hashes)


def budget_reached(g: Guardrail, limit: float, interval: str, include_byok: bool) -> list[str]:
    """Names of the keys ``g`` applies to whose own spend in ``interval``'s current window
    (from the spend cache) already reaches ``limit``: a guardrail's budget counts each key on
    its own, so these would be refused at once."""
    org = g.organisation
    rows = SpendFact.objects.filter(organisation=org, key_hash__in=keys_holding(g))
    start = window_start(interval, utc_today())
    if start is not None:
        rows = rows.filter(date__gte=start)
    totals = (
        rows.order_by().values("key_hash").annotate(u=Sum("usage_micros"), b=Sum("byok_micros"))
    )
    cap = Decimal(str(limit))
    reached = [
        t["key_hash"]
        for t in totals
        if to_dollars((t["u"] or 0) + ((t["b"] or 0) if include_byok else 0)) >= cap
    ]
    names = dict(Key.objects.filter(organisation=org, hash__in=reached).values_list("hash", "name"))
    return sorted(names.get(h, h) for h in reached)


def recently_blocked(
    g: Guardrail, allowed: list[str] | None, ignored: list[str] | None, *, days: int = 7
) -> dict[str, list[str]]:
    """model → names of the keys ``g`` applies to that called it in the last ``days`` days
    (from the spend cache) and that these model rules would now refuse."""
    org = g.organisation
    allowed = as_model_ids(org, allowed)
    ignored = set(as_model_ids(org, ignored) or [])
    since = utc_today() - timedelta(days=days)
    calls = (
        SpendFact.objects.filter(organisation=org, key_hash__in=keys_holding(g), date__gte=since)
        .order_by()
        .values_list("model", "key_hash")
        .distinct()
    )
    found = models_lookup(org, {m for m, _h in calls})
    names = dict(Key.objects.filter(organisation=org).values_list("hash", "name"))
    out: dict[str, list[str]] = {}
    for model, key_hash in calls:
        model_id = found[model].model_id if model in found else model
        if (allowed is not None and model_id not in allowed) or model_id in ignored:
            out.setdefault(model_id, []).append(names.get(key_hash, key_hash))
    return {m: sorted(set(k)) for m, k in sorted(out.items())}


def policy_key(organisation, user, key_hash: str, *, see_keys: bool) -> Key | None:
    """The key whose effective policy ``user`` may read: any key with ``see_keys``, else only
    one they own or made upstream; None otherwise (or not mirrored yet)."""
    key = Key.objects.filter(organisation=organisation, hash=key_hash).first()
    if key is None or see_keys or key.owner_id == user.pk:
        return key
    return key if key.creator_user_id in upstream_ids_of(organisation, user) else None

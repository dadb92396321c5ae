"""Reads of the guardrail mirror for the pages, scoped to one organisation; never upstream."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Lower

from apps.accounts.models import User
from apps.catalog.selectors import models_lookup
from apps.core import keyset
from apps.core.periods import utc_today, window_start
from apps.guardrails.models import Guardrail, GuardrailKeyAssignment, GuardrailMemberAssignment
from apps.keys.models import Key
from apps.members.models import UpstreamIdentity, UpstreamMember
from apps.members.selectors import people_labels, upstream_ids_of
from apps.spend.models import SpendFact
from apps.spend.money import to_dollars
from apps.workspaces.models import Workspace

PICK_LIMIT = 20  # options shown at once in an assignment or unassignment list; search narrows


@dataclass
class Candidate:
    value: str
    label: str
    holds: str = ""  # the name of the guardrail it holds now (an assignment replaces it)


@dataclass
class Shown:
    """The first rows of a longer list (a picker shows some; search narrows the rest)."""

    rows: list[Candidate]
    total: int

    @property
    def hidden(self) -> int:
        return self.total - len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def _upto(rows, limit: int | None):
    """Enough of ``rows`` to show ``limit`` and know whether there are more (None: all)."""
    return rows if limit is None else rows[: limit + 1]


def _shown(rows: list[Candidate], total_of, limit: int | None) -> Shown:
    """``rows`` (from :func:`_upto`) cut to ``limit``, with how many there are in all."""
    if limit is None or len(rows) <= limit:
        return Shown(rows, len(rows))
    return Shown(rows[:limit], total_of())


LIST_PAGE = 50


def _holders_per_guardrail(model, organisation, ids: list[str]) -> dict[str, int]:
    """How many hold each of ``ids``: one grouped count over the assignments' index (a
    count per row would be planned for the average guardrail, and one guardrail may hold
    10,000 keys while the others hold a few)."""
    rows = (
        model.objects.filter(organisation=organisation, guardrail_id__in=ids)
        .values("guardrail_id")
        .annotate(n=Count("pk"))
        .values_list("guardrail_id", "n")
    )
    return dict(rows)


def guardrails_page(
    organisation, *, q: str = "", workspace_id: str = "", after: str = ""
) -> tuple[list[Guardrail], str]:
    """One page of the list by name (keyset, ``(rows, next cursor or "")``): key and member
    counts, whether it is a workspace's default, search."""
    defaults = Workspace.objects.filter(
        organisation=organisation, default_guardrail_id=OuterRef("guardrail_id")
    ).values("name")[:1]
    qs = Guardrail.objects.filter(organisation=organisation).annotate(default_of=Subquery(defaults))
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(description__icontains=q))
    if workspace_id:
        qs = qs.filter(workspace_id=workspace_id)
    rows, next_cursor = keyset.page(qs, "name", after=after, size=LIST_PAGE)
    ids = [g.guardrail_id for g in rows]
    keys = _holders_per_guardrail(GuardrailKeyAssignment, organisation, ids)
    members = _holders_per_guardrail(GuardrailMemberAssignment, organisation, ids)
    for g in rows:
        g.key_count = keys.get(g.guardrail_id, 0)
        g.member_count = members.get(g.guardrail_id, 0)
    return rows, next_cursor


def guardrail_names(organisation) -> dict[str, str]:
    return dict(
        Guardrail.objects.filter(organisation=organisation).values_list("guardrail_id", "name")
    )


def default_of(g: Guardrail) -> Workspace | None:
    """The workspace whose default guardrail this is, if any."""
    return Workspace.objects.filter(
        organisation=g.organisation, default_guardrail_id=g.guardrail_id
    ).first()


def holder_counts(g: Guardrail) -> tuple[int, int]:
    """How many keys and members hold ``g`` by assignment."""
    where = {"organisation": g.organisation, "guardrail_id": g.guardrail_id}
    return (
        GuardrailKeyAssignment.objects.filter(**where).count(),
        GuardrailMemberAssignment.objects.filter(**where).count(),
    )


def _key_search(qs, q: str):
    return qs.filter(Q(name__icontains=q) | Q(label__icontains=q)) if q else qs


def assigned_keys(g: Guardrail, q: str = "", limit: int | None = PICK_LIMIT) -> Shown:
    """The keys holding ``g`` (matching ``q``), by name whatever the case: the first
    ``limit``, of how many. A walk of the keys' (organisation, guardrail, lower(name)) index;
    unsearched, how many is the number of key assignments (upstream's count, read from its
    index), not a count of the keys."""
    qs = _key_search(
        Key.objects.filter(organisation=g.organisation, guardrail_id=g.guardrail_id), q
    )
    rows = _upto(qs.order_by(Lower("name"), "id").values_list("hash", "name", "label"), limit)
    held = GuardrailKeyAssignment.objects.filter(
        organisation=g.organisation, guardrail_id=g.guardrail_id
    )
    return _shown(
        [Candidate(h, f"{name} ({label})") for h, name, label in rows],
        qs.count if q else held.count,
        limit,
    )


def assigned_members(g: Guardrail, q: str = "", limit: int | None = PICK_LIMIT) -> Shown:
    """The members holding ``g`` (matching ``q``), by name: the first ``limit``, of how many."""
    ids = GuardrailMemberAssignment.objects.filter(
        organisation=g.organisation, guardrail_id=g.guardrail_id
    ).values_list("user_id", flat=True)
    labels = people_labels(g.organisation, ids)
    rows = sorted(
        (Candidate(u, labels.get(u, u)) for u in ids),
        key=lambda c: c.label.lower(),
    )
    rows = [c for c in rows if q.lower() in c.label.lower()] if q else rows
    return Shown(rows if limit is None else rows[:limit], len(rows))


def key_candidates(g: Guardrail, q: str = "", limit: int | None = PICK_LIMIT) -> Shown:
    """Keys of the guardrail's workspace not holding it yet (a key of another workspace
    cannot take it), with the guardrail each holds now; the first ``limit`` by name, of how
    many. "Not holding it" is two ranges of the keys' (organisation, workspace, guardrail)
    index (below it, with "" for none, and above it), so the 10,000 keys a guardrail may
    hold are skipped, not scanned."""
    gid = g.guardrail_id
    qs = Key.objects.filter(organisation=g.organisation).filter(
        Q(guardrail_id__lt=gid) | Q(guardrail_id__gt=gid)
    )
    if g.workspace_id:
        qs = qs.filter(workspace_id=g.workspace_id)
    qs = _key_search(qs, q)
    rows = qs.order_by("name", "id").values_list("hash", "name", "label", "guardrail_id")
    names = guardrail_names(g.organisation)
    return _shown(
        [
            Candidate(h, f"{name} ({label})", names.get(holds, ""))
            for h, name, label, holds in _upto(rows, limit)
        ],
        qs.count,
        limit,
    )


def member_candidates(g: Guardrail, q: str = "", limit: int | None = PICK_LIMIT) -> Shown:
    """Organisation members not holding the guardrail yet, with the one each holds now."""
    mine = GuardrailMemberAssignment.objects.filter(organisation=g.organisation)
    qs = UpstreamMember.objects.filter(organisation=g.organisation).exclude(
        user_id__in=mine.filter(guardrail_id=g.guardrail_id).values("user_id")
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(email__icontains=q))
    annotated = qs.annotate(
        holds=Subquery(mine.filter(user_id=OuterRef("user_id")).values("guardrail_id")[:1])
    ).order_by("name", "email")
    names = guardrail_names(g.organisation)
    return _shown(
        [
            Candidate(m.user_id, m.label, names.get(m.holds or "", ""))
            for m in _upto(annotated, limit)
        ],
        qs.count,
        limit,
    )


@dataclass
class AssignmentRow:
    kind: str  # "key" | "member"
    subject: str
    guardrail_id: str
    guardrail_name: str


ASSIGNMENTS_PAGE = 100


def _like(q: str) -> str:
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _assignments_sql(
    organisation, kind: str, where: str = "", where_params=(), of: dict | None = None
) -> tuple[str, list]:
    """The union of the key and member assignments (``kind``: "key", "member" or both) as
    rows (gname, kind, subject, gid), filtered by ``where`` on those columns; with ``of``
    ({kind: guardrail ids}), only those guardrails' assignments of each kind."""
    tables = {
        "g": Guardrail._meta.db_table,
        "ka": GuardrailKeyAssignment._meta.db_table,
        "k": Key._meta.db_table,
        "ma": GuardrailMemberAssignment._meta.db_table,
        "m": UpstreamMember._meta.db_table,
        "i": UpstreamIdentity._meta.db_table,
        "u": User._meta.db_table,
    }
    branches = {
        "key": "SELECT g.name AS gname, 'key' AS kind, COALESCE(k.name, a.key_hash) AS subject,"
        " g.guardrail_id AS gid FROM {ka} a JOIN {g} g ON g.organisation_id = a.organisation_id"
        " AND g.guardrail_id = a.guardrail_id LEFT JOIN {k} k ON k.organisation_id ="
        " a.organisation_id AND k.hash = a.key_hash WHERE a.organisation_id = %s",
        "member": "SELECT g.name AS gname, 'member' AS kind, COALESCE(u.email, NULLIF(m.name,"
        " ''), NULLIF(m.email, ''), a.user_id) AS subject, g.guardrail_id AS gid FROM {ma} a"
        " JOIN {g} g ON g.organisation_id = a.organisation_id AND g.guardrail_id ="
        " a.guardrail_id LEFT JOIN {m} m ON m.organisation_id = a.organisation_id AND"
        " m.user_id = a.user_id LEFT JOIN {i} i ON i.organisation_id = a.organisation_id"
        " AND i.upstream_user_id = a.user_id LEFT JOIN {u} u ON u.id = i.user_id"
        " WHERE a.organisation_id = %s",
    }
    parts, params = [], []
    for which, branch in branches.items():
        if kind not in ("", which) or (of is not None and not of.get(which)):
            continue
        params.append(organisation.pk)
        if of is not None:
            branch += f" AND a.guardrail_id IN ({', '.join(['%s'] * len(of[which]))})"
            params += of[which]
        parts.append(branch)
    if not parts:
        return "", []
    union = " UNION ALL ".join(parts).format(**tables)
    # Only table names and fixed SQL are interpolated; every value is a parameter.
    sql = f"SELECT gname, kind, subject, gid FROM ({union}) AS found"  # noqa: S608
    return (f"{sql} WHERE {where}" if where else sql), [*params, *where_params]


def _run(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass
class _Segment:
    """One guardrail's assignments of one kind: where they sit in the whole list."""

    gid: str
    name: str
    kind: str
    count: int
    start: int  # its first row's position in the whole list


def _segments(organisation, kind: str) -> list[_Segment]:
    """Every guardrail's key then member assignments, by guardrail name: two grouped counts
    over the assignments' index, whatever their number."""
    counts = {}
    for model, which in ((GuardrailKeyAssignment, "key"), (GuardrailMemberAssignment, "member")):
        if kind in ("", which):
            rows = (
                model.objects.filter(organisation=organisation)
                .values("guardrail_id")
                .annotate(n=Count("pk"))
                .values_list("guardrail_id", "n")
            )
            counts |= {(gid, which): n for gid, n in rows}
    guardrails = Guardrail.objects.filter(organisation=organisation).values_list(
        "guardrail_id", "name"
    )
    segments, start = [], 0
    for gid, name in sorted(guardrails, key=lambda row: (row[1].lower(), row[0])):
        for which in ("key", "member"):
            if n := counts.get((gid, which)):
                segments.append(_Segment(gid, name, which, n, start))
                start += n
    return segments


def _big_segment_rows(organisation, seg: _Segment, offset: int, limit: int) -> list[tuple]:
    """Rows ``offset`` to ``offset + limit`` of a guardrail's many keys: a walk of the keys'
    (organisation, guardrail, lower(name), id) index, so the cost follows the page, not the
    thousands of keys holding it."""
    names = (
        Key.objects.filter(organisation=organisation, guardrail_id=seg.gid)
        .order_by(Lower("name"), "id")
        .values_list("name", flat=True)[offset : offset + limit]
    )
    return [(seg.name, "key", name, seg.gid) for name in names]


def assignments_page(
    organisation, *, q: str = "", kind: str = "", offset: int = 0, limit: int | None = None
) -> tuple[list[AssignmentRow], int]:
    """The organisation's assignments (``kind``: "key", "member" or both) whose guardrail,
    key or member matches ``q``, by guardrail, kind and subject: ``limit`` of them from
    ``offset``, and how many match in all; members are named as
    :func:`apps.members.selectors.people_labels` names them.

    Unsearched, the page is cut from each guardrail's counts: the guardrails it spans are
    read in one union of joins, except one holding more keys than a page, walked in key
    order (the cost follows the page, not the 10,000 keys one guardrail may hold). A search
    reads the union whole (the ORM would repeat a subquery per column per row)."""
    limit = limit or ASSIGNMENTS_PAGE
    if q:
        where = "LOWER(gname) LIKE %s ESCAPE '\\' OR LOWER(subject) LIKE %s ESCAPE '\\'"
        sql, params = _assignments_sql(organisation, kind, where, [_like(q), _like(q)])
        (total,) = _run(f"SELECT COUNT(*) FROM ({sql}) AS counted", params)[0]  # noqa: S608
        order = " ORDER BY LOWER(gname), gid, kind, LOWER(subject) LIMIT %s OFFSET %s"
        rows = _run(sql + order, [*params, limit, offset])
        return [AssignmentRow(k, s, g, name) for name, k, s, g in rows], total
    segments = _segments(organisation, kind)
    total = sum(seg.count for seg in segments)
    end = offset + limit
    spanned = [s for s in segments if s.start < end and s.start + s.count > offset]
    big = [s for s in spanned if s.kind == "key" and s.count > limit]
    small = [s for s in spanned if s not in big]
    by_segment: dict[tuple[str, str], list[tuple]] = {}
    if small:
        of = {which: [s.gid for s in small if s.kind == which] for which in ("key", "member")}
        sql, params = _assignments_sql(organisation, kind, of=of)
        for row in _run(sql + " ORDER BY LOWER(subject)", params):
            by_segment.setdefault((row[3], row[1]), []).append(row)
    rows = []
    for seg in spanned:
        first = max(offset - seg.start, 0)
        last = min(end - seg.start, seg.count)
        if seg in big:
            rows += _big_segment_rows(organisation, seg, first, last - first)
        else:
            rows += by_segment.get((seg.gid, seg.kind), [])[first:last]
    return [AssignmentRow(k, s, g, name) for name, k, s, g in rows], total


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


@dataclass
class Reached:
    """Who a guardrail budget would block at once: the names of the keys and of the members
    whose spend in the window already reaches it."""

    keys: list[str]
    members: list[str]

    def __bool__(self) -> bool:
        return bool(self.keys or self.members)

    def names(self) -> list[str]:
        return self.keys + [f"member {m}" for m in self.members]


def budget_reached(g: Guardrail, limit: float, interval: str, include_byok: bool) -> Reached:
    """Who ``g``'s budget of ``limit`` per ``interval`` would refuse at once, from the spend
    cache. As upstream counts it (not pooled): each key it is assigned to, or that is in the
    workspace it is the default of, on its own spend; each member it is assigned to on the
    spend of every key they created; as a workspace's default, each member on their spend in
    that workspace (semantics §3.5)."""
    org = g.organisation
    start = window_start(interval, utc_today())
    rows = SpendFact.objects.filter(organisation=org)
    if start is not None:
        rows = rows.filter(date__gte=start)
    cap = Decimal(str(limit))

    def over(qs, column: str) -> set[str]:
        totals = qs.order_by().values(column).annotate(u=Sum("usage_micros"), b=Sum("byok_micros"))
        return {
            t[column]
            for t in totals
            if t[column]
            and to_dollars((t["u"] or 0) + ((t["b"] or 0) if include_byok else 0)) >= cap
        }

    defaults = list(
        Workspace.objects.filter(organisation=org, default_guardrail_id=g.guardrail_id).values_list(
            "workspace_id", flat=True
        )
    )
    assigned = GuardrailKeyAssignment.objects.filter(organisation=org, guardrail_id=g.guardrail_id)
    key_scope = Q(key_hash__in=assigned.values("key_hash"))
    if defaults:
        key_scope |= Q(
            key_hash__in=Key.objects.filter(organisation=org, workspace_id__in=defaults).values(
                "hash"
            )
        )
    keys = over(rows.filter(key_scope), "key_hash")
    members = over(
        rows.filter(
            user_id__in=GuardrailMemberAssignment.objects.filter(
                organisation=org, guardrail_id=g.guardrail_id
            ).values("user_id")
        ),
        "user_id",
    )
    if defaults:
        members |= over(rows.filter(workspace_id__in=defaults), "user_id")
    names = dict(Key.objects.filter(organisation=org, hash__in=keys).values_list("hash", "name"))
    labels = people_labels(org) if members else {}
    return Reached(
        sorted(names.get(h, h) for h in keys),
        sorted((labels.get(u, u) for u in members), key=str.lower),
    )


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

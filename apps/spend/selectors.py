"""Reads for the spend pages: local tables only, never upstream, always organisation-scoped."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from apps.accounts.models import Membership, Organisation
from apps.accounts.roles import Perm, role_allows
from apps.keys.models import Key
from apps.keys.models import SyncRun as KeySyncRun
from apps.spend.filters import Filters
from apps.spend.models import (
    Alert,
    CreditSnapshot,
    Dim,
    SpendFact,
    SpendRollup,
    SpendRollupMonth,
    SpendSettings,
    SpendWorkspace,
    Stream,
    SyncRun,
    SyncState,
    UpstreamIdentity,
    UpstreamMember,
)
from apps.spend.money import to_dollars
from apps.spend.periods import bucket, local_today, utc_today
from apps.spend.store import month_end, month_start
from apps.spend.sync import INTERVALS

FACT_FIELDS = {
    Dim.MODEL: "model",
    Dim.PROVIDER: "provider",
    Dim.WORKSPACE: "workspace_id",
    Dim.KEY: "key_hash",
    Dim.MEMBER: "user_id",
}
BREAKDOWNS = [Dim.MODEL, Dim.PROVIDER, Dim.WORKSPACE, Dim.KEY, Dim.MEMBER]
UNATTRIBUTED = "Unattributed"


def settings_for(organisation: Organisation) -> SpendSettings:
    obj, _ = SpendSettings.objects.get_or_create(organisation=organisation)
    return obj


def reporting_today(organisation: Organisation, now: datetime | None = None) -> date:
    """The day ranges are checked against: no later than the reporting zone's today, and
    never past upstream's last complete UTC day."""
    tz_name = settings_for(organisation).timezone
    return min(local_today(tz_name, now), utc_today(now))


# --- who sees what ----------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """``key_hashes=None``: everything; otherwise only these keys' spend (a member)."""

    key_hashes: frozenset[str] | None = None

    @property
    def limited(self) -> bool:
        return self.key_hashes is not None


def member_upstream_ids(organisation: Organisation, user) -> set[str]:
    return set(
        UpstreamIdentity.objects.filter(organisation=organisation, user=user).values_list(
            "upstream_user_id", flat=True
        )
    )


def scope_for(membership: Membership) -> Scope:
    """Finance and admins see everything; a member only their keys: those they own in the
    keys app (their approved requests) and those their linked upstream user created."""
    if role_allows(membership.role, Perm.VIEW_SPEND):
        return Scope()
    ids = member_upstream_ids(membership.organisation, membership.user)
    hashes = Key.objects.filter(
        Q(owner=membership.user) | Q(creator_user_id__in=ids),
        organisation=membership.organisation,
    ).values_list("hash", flat=True)
    return Scope(key_hashes=frozenset(hashes))


def identities_by_user(organisation: Organisation) -> dict[int, str]:
    return dict(
        UpstreamIdentity.objects.filter(organisation=organisation).values_list(
            "user_id", "upstream_user_id"
        )
    )


def member_emails(organisation: Organisation) -> dict[str, str]:
    """Upstream user id → email, from the synced member directory."""
    return dict(
        UpstreamMember.objects.filter(organisation=organisation).values_list("user_id", "email")
    )


def key_creators(organisation: Organisation) -> dict[str, int]:
    """Upstream users who created keys, with how many keys each."""
    counts: dict[str, int] = defaultdict(int)
    for creator in (
        Key.objects.filter(organisation=organisation)
        .exclude(creator_user_id="")
        .values_list("creator_user_id", flat=True)
    ):
        counts[creator] += 1
    return dict(sorted(counts.items()))


# --- labels and filter choices ----------------------------------------------------------


@dataclass
class Labels:
    workspaces: dict[str, str]
    keys: dict[str, str]
    members: dict[str, str]

    def of(self, dim: str, value: str) -> str:
        if dim == Dim.WORKSPACE:
            return self.workspaces.get(value, value or "No workspace")
        if dim == Dim.KEY:
            return self.keys.get(value, value or UNATTRIBUTED)
        if dim == Dim.MEMBER:
            return self.members.get(value, value or UNATTRIBUTED)
        return value or "—"


def labels_for(organisation: Organisation) -> Labels:
    # The upstream directory names everyone; a console link (by hand or by email) wins.
    members = {m.user_id: m.label for m in UpstreamMember.objects.filter(organisation=organisation)}
    members.update(
        (ident.upstream_user_id, ident.user.email)
        for ident in UpstreamIdentity.objects.filter(organisation=organisation).select_related(
            "user"
        )
    )
    return Labels(
        workspaces=dict(
            SpendWorkspace.objects.filter(organisation=organisation).values_list(
                "workspace_id", "name"
            )
        ),
        keys=dict(Key.objects.filter(organisation=organisation).values_list("hash", "name")),
        members=members,
    )


def filter_choices(organisation: Organisation, scope: Scope, labels: Labels) -> dict:
    """Values a filter may take (``known`` for validation) with labels for the form."""
    facts = SpendFact.objects.filter(organisation=organisation)
    if scope.limited:
        facts = facts.filter(key_hash__in=scope.key_hashes)
    choices: dict[str, list[tuple[str, str]]] = {}
    keys = set(labels.keys) if not scope.limited else set(scope.key_hashes)
    # Monthly rollups hold every value ever seen, in a few rows per value.
    models = set(
        SpendRollupMonth.objects.filter(organisation=organisation, scope="", dim=Dim.MODEL)
        .values_list("value", flat=True)
        .distinct()
    )
    if scope.limited:
        models = set(facts.values_list("model", flat=True).distinct())
    workspaces = set(labels.workspaces)
    members = set(
        SpendRollupMonth.objects.filter(organisation=organisation, scope="", dim=Dim.MEMBER)
        .exclude(value="")
        .values_list("value", flat=True)
        .distinct()
    )
    if scope.limited:
        members = set()
    choices["workspace"] = sorted(
        ((w, labels.of(Dim.WORKSPACE, w)) for w in workspaces), key=lambda x: x[1]
    )
    choices["model"] = sorted((m, m) for m in models)
    choices["key"] = sorted(((k, labels.of(Dim.KEY, k)) for k in keys), key=lambda x: x[1])
    choices["member"] = sorted(((m, labels.of(Dim.MEMBER, m)) for m in members), key=lambda x: x[1])
    return choices


# --- the dashboard ----------------------------------------------------------------------


@dataclass
class Row:
    value: str
    label: str
    usage: Decimal
    byok: Decimal
    requests: int
    share: Decimal = Decimal(0)


@dataclass
class Dashboard:
    filters: Filters
    total: Decimal
    byok: Decimal
    requests: int
    series: list[Row]
    breakdowns: dict[str, list[Row]]
    previous_total: Decimal
    movers: list[dict] = field(default_factory=list)
    source: str = "rollup"

    @property
    def change(self) -> Decimal | None:
        if not self.previous_total:
            return None
        return (self.total - self.previous_total) / self.previous_total * 100


def _use_rollups(filters: Filters, scope: Scope) -> bool:
    return not scope.limited and not (filters.model or filters.key or filters.member)


def _facts(organisation: Organisation, filters: Filters, scope: Scope, start: date, end: date):
    qs = SpendFact.objects.filter(organisation=organisation, date__range=(start, end))
    if scope.limited:
        qs = qs.filter(key_hash__in=scope.key_hashes)
    for name, fact_field in (
        ("workspace", "workspace_id"),
        ("model", "model"),
        ("key", "key_hash"),
        ("member", "user_id"),
    ):
        value = getattr(filters, name)
        if value:
            qs = qs.filter(**{fact_field: value})
    return qs


_SUMS = {"u": Sum("usage_micros"), "b": Sum("byok_micros"), "r": Sum("requests")}


def _grouped(organisation: Organisation, filters: Filters, scope: Scope, start: date, end: date):
    """``{dim: {value: (usage, byok, requests)}}`` plus ``{date: (...)}`` for the series."""
    out: dict[str, dict] = defaultdict(dict)
    if _use_rollups(filters, scope):
        base = {"organisation": organisation, "scope": filters.workspace}
        # Whole months inside the range come from monthly rollups, the edges from daily ones.
        first_full = start if start.day == 1 else month_end(start) + timedelta(days=1)
        last_full = end if end == month_end(end) else month_start(end) - timedelta(days=1)
        pieces = []
        if first_full <= last_full:
            pieces.append(
                SpendRollupMonth.objects.filter(**base, month__range=(first_full, last_full))
            )
            edges = [(start, first_full - timedelta(days=1)), (last_full + timedelta(days=1), end)]
        else:
            edges = [(start, end)]
        for edge_start, edge_end in edges:
            if edge_start <= edge_end:
                pieces.append(
                    SpendRollup.objects.filter(**base, date__range=(edge_start, edge_end))
                )
        for qs in pieces:
            for dim, value, u, b, r in qs.values_list("dim", "value").annotate(**_SUMS).order_by():
                old = out[dim].get(value, (0, 0, 0))
                out[dim][value] = (old[0] + (u or 0), old[1] + (b or 0), old[2] + (r or 0))
        series = SpendRollup.objects.filter(**base, dim=Dim.ALL, date__range=(start, end))
        for day, u, b, r in series.values_list("date", "usage_micros", "byok_micros", "requests"):
            out["date"][day] = (u or 0, b or 0, r or 0)
        if filters.workspace:
            totals = out[Dim.ALL].get("", (0, 0, 0))
            out[Dim.WORKSPACE] = {filters.workspace: totals} if any(totals) else {}
        return out, "rollup"
    qs = _facts(organisation, filters, scope, start, end)
    for dim, fact_field in (*FACT_FIELDS.items(), ("date", "date")):
        for value, u, b, r in qs.values_list(fact_field).annotate(**_SUMS).order_by():
            out[dim][value] = (u or 0, b or 0, r or 0)
    return out, "facts"


def _rows(dim: str, sums: dict, labels: Labels, total: int) -> list[Row]:
    rows = [
        Row(
            value=str(value),
            label=labels.of(dim, value),
            usage=to_dollars(u),
            byok=to_dollars(b),
            requests=int(r),
            share=(Decimal(u) / total * 100) if total else Decimal(0),
        )
        for value, (u, b, r) in sums.items()
    ]
    rows.sort(key=lambda row: (-row.usage, -row.byok, row.label))
    return rows


def dashboard_get(
    organisation: Organisation, filters: Filters, scope: Scope, labels: Labels | None = None
) -> Dashboard:
    labels = labels or labels_for(organisation)
    current, source = _grouped(organisation, filters, scope, filters.start, filters.end)
    prev_filters = filters.previous
    previous, _ = _grouped(organisation, filters, scope, prev_filters.start, prev_filters.end)
    dates = current.get("date", {})
    total_u = sum(v[0] for v in dates.values())
    total_b = sum(v[1] for v in dates.values())
    total_r = sum(v[2] for v in dates.values())
    series_sums: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    for day, (u, b, r) in dates.items():
        slot = series_sums[bucket(day, filters.granularity)]
        slot[0] += u
        slot[1] += b
        slot[2] += r
    series = [
        Row(
            value=day.isoformat(),
            label=day.isoformat(),
            usage=to_dollars(u),
            byok=to_dollars(b),
            requests=r,
        )
        for day, (u, b, r) in sorted(series_sums.items())
    ]
    breakdowns = {dim: _rows(dim, current.get(dim, {}), labels, total_u) for dim in BREAKDOWNS}
    prev_total = sum(v[0] for v in previous.get("date", {}).values())
    movers = []
    for dim in (Dim.MODEL, Dim.WORKSPACE, Dim.KEY):
        now_sums, then_sums = current.get(dim, {}), previous.get(dim, {})
        for value in set(now_sums) | set(then_sums):
            now_u = now_sums.get(value, (0, 0, 0))[0]
            then_u = then_sums.get(value, (0, 0, 0))[0]
            if now_u != then_u:
                movers.append(
                    {
                        "dim": Dim(dim).label,
                        "label": labels.of(dim, value),
                        "current": to_dollars(now_u),
                        "previous": to_dollars(then_u),
                        "delta": to_dollars(now_u - then_u),
                    }
                )
    movers.sort(key=lambda m: (-abs(m["delta"]), m["label"]))
    return Dashboard(
        filters=filters,
        total=to_dollars(total_u),
        byok=to_dollars(total_b),
        requests=total_r,
        series=series,
        breakdowns=breakdowns,
        previous_total=to_dollars(prev_total),
        movers=movers[:5],
        source=source,
    )


# --- export -------------------------------------------------------------------------------

EXPORT_HEADER = [
    "date_utc",
    "workspace",
    "model",
    "provider",
    "key",
    "member",
    "requests",
    "usage_usd",
    "byok_usd_estimate",
]


def _usd(micros: int) -> str:
    return f"{to_dollars(micros):.6f}"


def export_rows(organisation: Organisation, filters: Filters, scope: Scope):
    """Yields CSV rows (header first) straight from a server-side cursor: memory stays flat."""
    labels = labels_for(organisation)
    yield EXPORT_HEADER
    qs = (
        _facts(organisation, filters, scope, filters.start, filters.end)
        .order_by("date", "workspace_id", "model", "key_hash", "id")
        .values_list(
            "date",
            "workspace_id",
            "model",
            "provider",
            "key_hash",
            "user_id",
            "requests",
            "usage_micros",
            "byok_micros",
        )
    )
    for day, ws, model, provider, key, user, requests, usage, byok in qs.iterator(chunk_size=2000):
        yield [
            day.isoformat(),
            labels.of(Dim.WORKSPACE, ws),
            model,
            provider,
            labels.of(Dim.KEY, key),
            labels.of(Dim.MEMBER, user),
            requests,
            _usd(usage),
            _usd(byok),
        ]


# --- credits, runway, health, alerts ---------------------------------------------------


@dataclass
class Runway:
    snapshot: CreditSnapshot | None
    burn_7: Decimal
    burn_30: Decimal
    threshold: Decimal

    @property
    def balance(self) -> Decimal | None:
        return self.snapshot.balance if self.snapshot else None

    @property
    def days_left(self) -> int | None:
        if self.balance is None or self.burn_7 <= 0:
            return None
        return max(0, int(self.balance / self.burn_7))

    @property
    def low(self) -> bool:
        return self.balance is not None and self.balance < self.threshold


def spend_between(organisation: Organisation, start: date, end: date, **lookups) -> Decimal:
    micros = SpendRollup.objects.filter(
        organisation=organisation, scope="", dim=Dim.ALL, date__range=(start, end), **lookups
    ).aggregate(u=Sum("usage_micros"))["u"]
    return to_dollars(micros or 0)


def runway_get(organisation: Organisation, now: datetime | None = None) -> Runway:
    yesterday = utc_today(now) - timedelta(days=1)
    burn_7 = spend_between(organisation, yesterday - timedelta(days=6), yesterday) / 7
    burn_30 = spend_between(organisation, yesterday - timedelta(days=29), yesterday) / 30
    return Runway(
        snapshot=CreditSnapshot.objects.filter(organisation=organisation).first(),
        burn_7=burn_7,
        burn_30=burn_30,
        threshold=settings_for(organisation).low_balance_threshold,
    )


@dataclass
class StreamHealth:
    stream: str
    label: str
    state: SyncState | None
    runs: list[SyncRun]
    stale: bool
    # The keys stream runs the keys app's sync: its latest pass, however it was started.
    keys_run: KeySyncRun | None = None


def health_get(organisation: Organisation, now: datetime | None = None) -> list[StreamHealth]:
    now = now or timezone.now()
    states = {s.stream: s for s in SyncState.objects.filter(organisation=organisation)}
    out = []
    for stream, interval in INTERVALS.items():
        state = states.get(stream)
        last = state.last_success_at if state else None
        keys_run = None
        if stream == Stream.KEYS:
            keys_run = KeySyncRun.objects.filter(organisation=organisation, stream="keys").first()
            ok = (
                KeySyncRun.objects.filter(
                    organisation=organisation, stream="keys", status=KeySyncRun.Status.OK
                )
                .values_list("finished_at", flat=True)
                .first()
            )
            if ok is not None and (last is None or ok > last):
                last = ok
        out.append(
            StreamHealth(
                stream=str(stream),
                label=stream.label,
                state=state,
                runs=list(SyncRun.objects.filter(organisation=organisation, stream=stream)[:5]),
                stale=last is None or now - last > 2 * interval,
                keys_run=keys_run,
            )
        )
    return out


def stale_streams(organisation: Organisation, now: datetime | None = None) -> list[str]:
    """Streams the spend pages depend on whose data is older than two intervals."""
    return [
        h.label
        for h in health_get(organisation, now)
        if h.stale and h.stream in ("activity", "credits")
    ]


def alerts_recent(organisation: Organisation, limit: int = 50) -> list[Alert]:
    return list(Alert.objects.filter(organisation=organisation)[:limit])

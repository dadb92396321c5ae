"""The spend dashboard and its CSV export: local tables only, never upstream."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum

from apps.accounts.models import Organisation
from apps.spend.filters import Filters
from apps.spend.models import Dim, SpendFact, SpendRollup, SpendRollupMonth
from apps.spend.money import to_dollars
from apps.spend.periods import bucket
from apps.spend.selectors.common import BREAKDOWNS, FACT_FIELDS, Labels, Scope, labels_for
from apps.spend.services.store import month_end, month_start


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
        # Against less than a cent, a percentage says nothing (and reads like a typo).
        if self.previous_total < Decimal("0.01"):
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

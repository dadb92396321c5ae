"""Monthly statements per workspace: by model and by key, totals that add up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum

from apps.accounts.models import Organisation
from apps.spend.models import Dim, SpendFact, SpendRollupMonth
from apps.spend.money import to_dollars
from apps.spend.selectors.common import labels_for


def statement_months(organisation: Organisation) -> list[date]:
    """Months with spend, newest first (the statement form offers these)."""
    return list(
        SpendRollupMonth.objects.filter(organisation=organisation, scope="", dim=Dim.ALL)
        .order_by("-month")
        .values_list("month", flat=True)
        .distinct()
    )


def month_bounds(month: str) -> tuple[date, date]:
    first = date.fromisoformat(f"{month}-01")
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return first, last


@dataclass
class Statement:
    workspace_id: str
    workspace: str
    month: str
    start: date
    end: date
    lines: list[dict]
    total: Decimal
    byok: Decimal
    requests: int


def statement_get(organisation: Organisation, workspace_id: str, month: str) -> Statement:
    start, end = month_bounds(month)
    labels = labels_for(organisation)
    rows = (
        SpendFact.objects.filter(
            organisation=organisation, workspace_id=workspace_id, date__range=(start, end)
        )
        .values_list("model", "key_hash")
        .annotate(u=Sum("usage_micros"), b=Sum("byok_micros"), r=Sum("requests"))
        .order_by("model", "key_hash")
    )
    rows = list(rows)
    lines = [
        {
            "model": model,
            "key": labels.of(Dim.KEY, key),
            "requests": r or 0,
            "usage": to_dollars(u),
            "byok": to_dollars(b),
        }
        for model, key, u, b, r in rows
    ]
    total_micros = sum(int(u or 0) for *_rest, u, _b, _r in rows)
    return Statement(
        workspace_id=workspace_id,
        workspace=labels.of(Dim.WORKSPACE, workspace_id),
        month=month,
        start=start,
        end=end,
        lines=lines,
        total=to_dollars(total_micros),
        byok=sum((line["byok"] for line in lines), Decimal(0)),
        requests=sum(line["requests"] for line in lines),
    )


def statement_rows(organisation: Organisation, workspace_id: str, month: str):
    st = statement_get(organisation, workspace_id, month)
    yield ["workspace", "month", "model", "key", "requests", "usage_usd", "byok_usd_estimate"]
    for line in st.lines:
        yield [
            st.workspace,
            st.month,
            line["model"],
            line["key"],
            line["requests"],
            f"{line['usage']:.6f}",
            f"{line['byok']:.6f}",
        ]
    yield [st.workspace, st.month, "TOTAL", "", st.requests, f"{st.total:.6f}", f"{st.byok:.6f}"]

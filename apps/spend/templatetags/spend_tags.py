from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django import template
from django.utils.html import json_script

from apps.spend.models import Dim
from apps.spend.selectors.dashboard import Row

register = template.Library()

_TITLES = {
    Dim.MODEL: "Model",
    Dim.PROVIDER: "Provider",
    Dim.WORKSPACE: "Workspace",
    Dim.KEY: "Key",
    Dim.MEMBER: "Member",
}


@register.filter
def split(value: str) -> list[str]:
    return value.split()


@register.filter
def urlencode_dict(value: dict) -> str:
    return urlencode(value)


TOP_ROWS = 20


def _top(rows: list) -> list:
    """The biggest rows, then one row for all the others, so the table still adds up."""
    if len(rows) <= TOP_ROWS + 1:
        return rows
    rest = rows[TOP_ROWS:]
    other = Row(
        value="",
        label=f"All {len(rest)} others",
        usage=sum((r.usage for r in rest), Decimal(0)),
        byok=sum((r.byok for r in rest), Decimal(0)),
        requests=sum(r.requests for r in rest),
        share=sum((r.share for r in rest), Decimal(0)),
    )
    return [*rows[:TOP_ROWS], other]


@register.filter
def breakdown_list(data) -> list[tuple[str, str, list]]:
    """``(dim, title, rows)`` for each breakdown, long ones cut to the top rows + others."""
    return [(str(dim), _TITLES[dim], _top(rows)) for dim, rows in data.breakdowns.items()]


@register.filter
def chart_data(rows, name: str):
    """The chart's numbers as a JSON script element (read by static/spend/charts.js).

    A time series keeps every point; a breakdown chart shows its 15 biggest rows.
    """
    element_id = name if name.startswith("chart-") else f"chart-{name}"
    top = list(rows) if element_id == "chart-series" else list(rows)[:15]
    payload = {"labels": [r.label for r in top], "values": [float(r.usage) for r in top]}
    return json_script(payload, element_id)

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.utils.html import json_script

from apps.spend.models import Dim

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


@register.filter
def breakdown_list(data) -> list[tuple[str, str, list]]:
    """``(dim, title, rows)`` for each breakdown; a member sees no member breakdown."""
    return [(str(dim), _TITLES[dim], rows) for dim, rows in data.breakdowns.items()]


@register.filter
def chart_data(rows, name: str):
    """The chart's numbers as a JSON script element (read by static/spend/charts.js)."""
    element_id = name if name.startswith("chart-") else f"chart-{name}"
    top = list(rows)[:15]
    payload = {"labels": [r.label for r in top], "values": [float(r.usage) for r in top]}
    return json_script(payload, element_id)

"""The console's template library: money and time formats, and the component block tags.

Block tags (the shells every list and dialog uses, so a new page gets the same behaviour):

``{% filterform url target active %}…fields…{% endfilterform %}``
    A GET filter form: any control's change (and typing in a search box, debounced)
    reloads only ``target`` and puts the filters in the URL; an Apply button for Enter and
    for browsers without JavaScript; "Filters active · Clear" when ``active``.
``{% dialog title close_url %}…body…{% enddialog %}``
    A modal dialog loaded into ``#modal``; Cancel (or Escape) closes it without a reload, and
    without JavaScript the same page works as a plain page whose Cancel goes to ``close_url``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django import template
from django.template.loader import render_to_string
from django.utils import timezone

register = template.Library()


# --- formats ----------------------------------------------------------------------------


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


@register.filter
def usd(value) -> str:
    """``1234.5`` → ``1,234.50`` (money to the cent, with thousands separators)."""
    amount = _decimal(value)
    return "" if amount is None else f"{amount:,.2f}"


@register.filter
def money(value) -> str:
    """``-40.44`` → ``-$40.44``; ``1234.5`` → ``$1,234.50``."""
    amount = _decimal(value)
    if amount is None:
        return ""
    return f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"


@register.filter
def pct(value) -> str:
    amount = _decimal(value)
    return "" if amount is None else f"{amount:.1f}"


@register.filter
def count(value) -> str:
    """An integer with thousands separators (``62306`` → ``62,306``)."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return ""


def _span(seconds: float) -> str:
    seconds = abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return "moments"


@register.filter
def ago(value) -> str:
    """Compact "3 d ago" (naturaltime is slow and wordy on 50-row tables)."""
    if not value:
        return "never"
    seconds = (timezone.now() - value).total_seconds()
    return "just now" if seconds < 60 else f"{_span(seconds)} ago"


@register.filter
def within(value) -> str:
    """Compact "in 3 d"."""
    if not value:
        return ""
    return f"in {_span((value - timezone.now()).total_seconds())}"


@register.filter
def ymd(value) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


@register.filter
def month_label(value) -> str:
    """``2026-11-01`` (a date or ISO text) → ``Nov 2026``."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime | date):
        return value.strftime("%b %Y")
    return str(value)


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


# --- component shells -------------------------------------------------------------------


class _ShellNode(template.Node):
    def __init__(self, shell: str, args: list, nodelist) -> None:
        self.shell = shell
        self.args = args
        self.nodelist = nodelist

    def render(self, context) -> str:
        values = [arg.resolve(context) for arg in self.args]
        body = self.nodelist.render(context)
        request = context.get("request")
        return render_to_string(self.shell, {**_ARGS[self.shell](*values), "body": body}, request)


_ARGS = {
    "components/filter_form.html": lambda url, target, active=False: {
        "url": url,
        "target": target,
        "active": active,
    },
    "components/dialog.html": lambda title, close_url="": {
        "title": title,
        "close_url": close_url,
    },
}


def _shell(name: str, shell: str):
    def compile_tag(parser, token):
        bits = token.split_contents()[1:]
        nodelist = parser.parse((f"end{name}",))
        parser.delete_first_token()
        return _ShellNode(shell, [parser.compile_filter(bit) for bit in bits], nodelist)

    register.tag(name, compile_tag)


_shell("filterform", "components/filter_form.html")
_shell("dialog", "components/dialog.html")

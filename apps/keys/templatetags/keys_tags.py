"""``{{ key.hash|key_url:"toggle" }}``: a key's page URLs without a reverse() per link.

The list renders 50 rows with several links each; reversing every one was a third of
the page's server time. One reverse gives the prefix, the rest is the URLconf's shape.
"""

from __future__ import annotations

from django import template
from django.urls import get_script_prefix, reverse
from django.utils import timezone

register = template.Library()
_PLACEHOLDER = "0" * 64
_prefixes: dict[str, str] = {}


def _prefix() -> str:
    script_prefix = get_script_prefix()
    if script_prefix not in _prefixes:
        _prefixes[script_prefix] = reverse("keys:detail", args=[_PLACEHOLDER]).removesuffix(
            f"{_PLACEHOLDER}/"
        )
    return _prefixes[script_prefix]


@register.filter
def key_url(key_hash: str, action: str = "") -> str:
    """``keys:detail`` (no action) or ``keys:<action>`` for the key with this hash."""
    return f"{_prefix()}{key_hash}/" + (f"{action.replace('_', '-')}/" if action else "")


def _span(seconds: float) -> str:
    seconds = abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return "moments"


@register.filter
def ago(value) -> str:
    """Compact "3 d ago" (the list shows 50 of these; naturaltime is slow and wordy)."""
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
def usd(value) -> str:
    """``12.5`` → ``12.50`` (floatformat goes through Decimal and locale: slow on 50 rows)."""
    return "" if value is None else f"{value:,.2f}"


@register.filter
def ymd(value) -> str:
    return value.strftime("%Y-%m-%d") if value else ""

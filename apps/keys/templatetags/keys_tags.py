"""``{{ key.hash|key_url:"toggle" }}``: a key's page URLs without a reverse() per link.

The list renders 50 rows with several links each; reversing every one was a third of
the page's server time. One reverse gives the prefix, the rest is the URLconf's shape.
"""

from __future__ import annotations

from django import template
from django.urls import get_script_prefix, reverse

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

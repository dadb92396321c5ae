"""Formats for the catalog pages: prices per million tokens, context sizes, model URLs."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from urllib.parse import quote

from django import template
from django.urls import get_script_prefix, reverse

from apps.catalog.models import MILLION

register = template.Library()
_SAFE = "!$&'()*+,;=~:@"  # what Django's reverse leaves unquoted in a path segment


@register.filter
def per_million(value) -> str:
    """A per-token USD price as dollars per million tokens: ``0.000002`` → ``$2.00``."""
    if value is None or value == "":
        return "varies"
    per_m = Decimal(str(value)) * MILLION
    if per_m == 0:
        return "free"
    if per_m >= Decimal("0.01"):
        return f"${per_m:,.2f}"
    return "$" + f"{per_m:.4f}".rstrip("0")


@register.filter
def tokens(value) -> str:
    """``1047576`` → ``1.05M``, ``128000`` → ``128K``; empty for unknown."""
    if not value:
        return "—"
    value = int(value)
    if value >= 1_000_000:
        return f"{value / 1_000_000:.2f}".rstrip("0").rstrip(".") + "M"
    if value >= 1000:
        return f"{value / 1000:.1f}".rstrip("0").rstrip(".") + "K"
    return str(value)


@register.filter
def usd_estimate(value) -> str:
    """A cost estimate: cents for big sums, more digits for tiny ones."""
    if value is None:
        return "—"
    value = Decimal(value)
    if value >= 1 or value == 0:
        return f"${value:,.2f}"
    return "$" + f"{value:.6f}".rstrip("0").rstrip(".")


@lru_cache(maxsize=8)
def _model_url_pattern(script_prefix: str) -> str:
    return reverse("catalog:model", args=["AUTHOR", "SLUG"])


@register.filter
def model_url(model_id: str) -> str:
    """The model page's URL (one ``reverse`` per process, not one per table row)."""
    author, _, slug = str(model_id).partition("/")
    if not slug:
        return ""
    pattern = _model_url_pattern(get_script_prefix())
    return pattern.replace("AUTHOR", quote(author, safe=_SAFE), 1).replace(
        "SLUG", quote(slug, safe=_SAFE), 1
    )

"""Formats for the catalog pages: prices per million tokens, context sizes, model URLs."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.urls import reverse

from apps.catalog.models import MILLION

register = template.Library()


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


@register.filter
def model_url(model_id: str) -> str:
    author, _, slug = str(model_id).partition("/")
    return reverse("catalog:model", args=[author, slug]) if slug else ""

"""Reads for the spend pages: local tables only, never upstream, always organisation-scoped."""

from __future__ import annotations

from apps.spend.selectors.budgets import BudgetLine, budget_lines
from apps.spend.selectors.common import (
    UNATTRIBUTED,
    Labels,
    Scope,
    filter_choices,
    labels_for,
    reporting_today,
    scope_for,
    settings_for,
)
from apps.spend.selectors.credits import (
    Runway,
    alerts_recent,
    credits_latest,
    runway_get,
    spend_between,
    stale_streams,
)
from apps.spend.selectors.dashboard import Dashboard, Row, dashboard_get, export_rows
from apps.spend.selectors.statements import statement_get, statement_months, statement_rows

__all__ = [
    "UNATTRIBUTED",
    "BudgetLine",
    "Dashboard",
    "Labels",
    "Row",
    "Runway",
    "Scope",
    "alerts_recent",
    "budget_lines",
    "credits_latest",
    "dashboard_get",
    "export_rows",
    "filter_choices",
    "labels_for",
    "reporting_today",
    "runway_get",
    "scope_for",
    "settings_for",
    "spend_between",
    "stale_streams",
    "statement_get",
    "statement_months",
    "statement_rows",
]

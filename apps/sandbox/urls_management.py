"""Routes of the sandbox's management API (analytics, workspaces, BYOK, guardrails,
observability, presets, organization, generation); included by ``urls.py``."""

from __future__ import annotations

from django.urls import path

from apps.sandbox.views import analytics

urlpatterns = [
    path("analytics/meta", analytics.meta, name="analytics-meta"),
    path("analytics/query", analytics.query, name="analytics-query"),
]

"""Routes of the sandbox API, mounted under ``/sandbox/api/v1/`` when SANDBOX_ENABLED."""

from __future__ import annotations

from django.urls import include, path

from apps.sandbox.views import account, keys, workspaces

app_name = "sandbox"

urlpatterns = [
    path("key", account.current_key, name="current-key"),
    path("credits", account.credits, name="credits"),
    path("activity", account.activity, name="activity"),
    path("keys", keys.keys_collection, name="keys"),
    path("keys/<str:key_hash>", keys.key_item, name="key"),
    path("workspaces", workspaces.workspaces_collection, name="workspaces"),
    path("", include("apps.sandbox.urls_management")),
    path("", include("apps.sandbox.urls_public")),
]

from __future__ import annotations

from django.conf import settings
from django.urls import include, path

from apps.core import views as core_views

urlpatterns = [
    path("", include("apps.dashboard.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("accounts/", include("apps.accounts.signin_urls")),
    path("accounts/profile/", include("apps.members.urls")),
    path("audit/", include("apps.audit.urls")),
    path("catalog/", include("apps.catalog.urls")),
    path("byok/", include("apps.byok.urls")),
    path("observability/", include("apps.observability.urls")),
    path("presets/", include("apps.presets.urls")),
    path("workspaces/", include("apps.workspaces.urls")),
    path("guardrails/", include("apps.guardrails.urls")),
    path("organization/members/", include("apps.members.directory_urls")),
    path("keys/", include("apps.keys.urls")),
    path("inference/", include("apps.inference.urls")),
    path("media/", include("apps.media.urls")),
    path("playground/", include("apps.playground.urls")),
    path("spend/", include("apps.spend.urls")),
    path("syncs/", include("apps.syncs.urls")),
    path("healthz", core_views.healthz, name="healthz"),
]

if settings.SANDBOX_ENABLED:
    urlpatterns += [
        path("sandbox/api/v1/", include("apps.sandbox.urls")),
        path("sandbox/", include("apps.sandbox.urls_auth")),
    ]

handler403 = "apps.core.views.error_403"
handler404 = "apps.core.views.error_404"
handler500 = "apps.core.views.error_500"

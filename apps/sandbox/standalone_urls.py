"""A URLconf with only the sandbox, for ``manage.py runsandbox``: ``/api/v1/...`` like upstream."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("apps.sandbox.urls")),
    path("", include("apps.sandbox.urls_auth")),
    # The console's own mount point works too, so one base URL fits both servers.
    path("sandbox/api/v1/", include("apps.sandbox.urls", namespace="sandbox-mirror")),
    path("sandbox/", include("apps.sandbox.urls_auth", namespace="sandbox_auth-mirror")),
]

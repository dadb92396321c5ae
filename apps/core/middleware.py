"""Middleware of the platform: the health check that answers before host validation, the
refusal of NUL characters anywhere in a request, and the Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from apps.core.health import health_response

HEALTH_PATH = "/healthz"


class HealthCheckMiddleware:
    """Answer ``/healthz`` first, whatever the Host header and scheme.

    Load balancers and the image's HEALTHCHECK ask by address (``http://127.0.0.1:8000``),
    which is neither an allowed host nor https; the check says only ok / not ok, so it
    needs neither. First in ``MIDDLEWARE``, before anything calls ``request.get_host()``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == HEALTH_PATH and request.method in ("GET", "HEAD"):
            return health_response()
        return self.get_response(request)


class RefuseNulMiddleware:
    """400 for a NUL character in the path, the query or a posted field.

    No text a person types holds one, and PostgreSQL cannot store or even compare one: a
    NUL reaching a query (a path parameter that third-party views look up, say) would be a
    500. Django's form fields refuse it too, but not every value passes through a form.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _sandbox(request):
            return self.get_response(request)  # it answers NUL its own way (a JSON 400)
        if "\x00" in request.path_info or _has_nul(request.GET):
            return HttpResponseBadRequest("A NUL character is never valid input.")
        if request.method == "POST" and _has_nul(request.POST):
            return HttpResponseBadRequest("A NUL character is never valid input.")
        return self.get_response(request)


def _sandbox(request: HttpRequest) -> bool:
    """A request for the sandbox (mounted in the console, or alone under runsandbox)."""
    return request.path_info.startswith("/sandbox/") or settings.ROOT_URLCONF != "console.urls"


def _has_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in query.lists())


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy (``CONTENT_SECURITY_POLICY``), plus the SSO provider's origin in
    ``form-action``: the sign-in form's POST is redirected there, and browsers hold that
    redirect to the form's ``form-action`` too."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        providers = sso_origins()
        if providers and not report_only:
            update = parts.update or {}
            # Kept beside a view's own form-action origins (the profile's upstream auth page).
            parts.update = {**update, "form-action": [*update.get("form-action", []), *providers]}
        return parts


def sso_origins() -> list[str]:
    """The origins of the OpenID providers configured (``SSO_OIDC_SERVER_URL`` → allauth)."""
    oidc = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {})
    origins = []
    for app in oidc.get("APPS", []):
        where = urlsplit(app.get("settings", {}).get("server_url", ""))
        if where.scheme in ("http", "https") and where.netloc:
            origins.append(f"{where.scheme}://{where.netloc}")
    return origins

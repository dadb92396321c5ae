"""Middleware of the platform: the health check that answers before host validation."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from apps.core.views import healthz

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
        if request.path_info == HEALTH_PATH:
            return healthz(request)
        return self.get_response(request)

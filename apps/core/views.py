from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core import health


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The health check (answered by ``HealthCheckMiddleware`` first, whatever the host)."""
    return health.health_response()


def error_403(request: HttpRequest, exception=None):
    return render(request, "403.html", {"reason": str(exception) if exception else ""}, status=403)


def error_404(request: HttpRequest, exception=None):
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest):
    return render(request, "500.html", status=500)

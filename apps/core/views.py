from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core import health


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database and broker work; an upstream outage degrades but does not fail.

    Open to load balancers, so it says only yes or no per check, and calls nothing upstream.
    """
    database = health.check_database()
    checks = {
        "database": database,
        "broker": health.check_broker(),
        "upstream": health.check_upstream() if database else False,
    }
    critical_ok = checks["database"] and checks["broker"]
    status = "ok" if all(checks.values()) else ("degraded" if critical_ok else "failing")
    return JsonResponse(
        {"status": status, "checks": {name: {"ok": ok} for name, ok in checks.items()}},
        status=200 if critical_ok else 503,
    )


def error_403(request: HttpRequest, exception=None):
    return render(request, "403.html", {"reason": str(exception) if exception else ""}, status=403)


def error_404(request: HttpRequest, exception=None):
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest):
    return render(request, "500.html", status=500)

"""What ``/healthz`` checks: the database and the Celery broker (critical), and whether
OpenRouter answered the workers' last connection checks (from the cache: no call here)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import JsonResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from kombu import Connection
from kombu.exceptions import OperationalError

from apps.accounts.models import ConnectionStatus

# A connection check older than this says nothing about upstream now.
UPSTREAM_FRESH = timedelta(minutes=15)


def check_database() -> bool:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


def check_broker() -> bool:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        return Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]).is_dir()
    try:
        with Connection(url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except (OSError, OperationalError):
        return False
    return True


def check_upstream() -> bool:
    """True unless every recent connection check (of any organisation) failed."""
    recent = ConnectionStatus.objects.filter(
        checked_at__gte=timezone.now() - UPSTREAM_FRESH
    ).values_list("ok", flat=True)
    results = list(recent[:1000])
    return not results or any(results)


def health_response() -> JsonResponse:
    """200 while the database and broker work; an upstream outage degrades but does not fail.

    Open to load balancers, so it says only yes or no per check, and calls nothing upstream.
    """
    database = check_database()
    checks = {
        "database": database,
        "broker": check_broker(),
        "upstream": check_upstream() if database else False,
    }
    critical_ok = checks["database"] and checks["broker"]
    status = "ok" if all(checks.values()) else ("degraded" if critical_ok else "failing")
    response = JsonResponse(
        {"status": status, "checks": {name: {"ok": ok} for name, ok in checks.items()}},
        status=200 if critical_ok else 503,
    )
    add_never_cache_headers(response)
    return response

"""What ``/healthz`` checks: the database and the Celery broker (critical), and whether
OpenRouter answered the workers' last connection checks (from the cache: no call here)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone
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

"""What ``/healthz`` checks: the database, the Celery broker, the upstream API."""

from __future__ import annotations

from pathlib import Path

import httpx
from django.conf import settings
from django.db import connections


def check_database() -> tuple[bool, str]:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, "ok"
    except Exception as exc:
        return False, type(exc).__name__


def check_broker() -> tuple[bool, str]:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        return (folder.is_dir(), "ok" if folder.is_dir() else "broker folder missing")
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True, "ok"
    except Exception as exc:
        return False, type(exc).__name__


def check_upstream() -> tuple[bool, str]:
    """Reachability only: an unauthenticated ``GET /key`` answers 401 when upstream is up."""
    if settings.OPENROUTER_TRANSPORT == "wsgi":
        return True, "in-process"
    try:
        response = httpx.get(f"{settings.OPENROUTER_BASE_URL.rstrip('/')}/key", timeout=3)
    except httpx.HTTPError as exc:
        return False, type(exc).__name__
    return (response.status_code < 500, f"HTTP {response.status_code}")

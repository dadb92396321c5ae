"""Small helpers for HTMX responses shared by every app."""

from __future__ import annotations

from django.http import HttpResponse
from django_htmx.http import trigger_client_event


def toast(response: HttpResponse, message: str, level: str = "success") -> HttpResponse:
    """Ask the page to show a toast (listened for in ``static/console/app.js``)."""
    return trigger_client_event(response, "toast", {"message": message, "level": level})

"""What django-axes asks of the console: whose sign-in it was, and the lockout page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.accounts.forms import LoginForm

LOCKOUT_MESSAGE = (
    "Too many failed sign-in attempts for this account or from this network. "
    "Sign-in is locked for {minutes} minutes; try again then, or reset your password."
)


def attempted_email(request: HttpRequest, credentials: dict | None) -> str | None:
    """The address a sign-in was for, lower-cased so ``Pat@x`` and ``pat@x`` count together."""
    credentials = credentials or {}
    value = (
        credentials.get("email")
        or credentials.get("username")
        or request.POST.get("username")
        or request.POST.get("login")
    )
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_response(
    request: HttpRequest, original_response=None, credentials: dict | None = None
) -> HttpResponse:
    """The sign-in page again, with the lockout said plainly (429, no traceback)."""
    email = attempted_email(request, credentials) or ""
    context = {
        "form": LoginForm(initial={"login": email}, request=request),
        "lockout_message": LOCKOUT_MESSAGE.format(minutes=lockout_minutes()),
        "redirect_field_name": "next",
        "redirect_field_value": request.POST.get("next", ""),
    }
    return render(request, "accounts/login.html", context, status=429)

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, resolve_url
from django_htmx.http import HttpResponseClientRedirect

from apps.accounts.models import Membership

SESSION_KEY = "current_organisation_id"
_EXEMPT = ("/sandbox/", "/static/", "/healthz")


def current_membership(request) -> Membership | None:
    """The membership for the organisation chosen in the session (else the first one)."""
    if not request.user.is_authenticated:
        return None
    memberships = Membership.objects.select_related("organisation").filter(user=request.user)
    wanted = request.session.get(SESSION_KEY)
    chosen = memberships.filter(organisation_id=wanted).first() if wanted else None
    return chosen or memberships.order_by("organisation__name", "id").first()


class CurrentOrganisationMiddleware:
    """Sets ``request.membership`` and ``request.organisation`` (None when there is none)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(_EXEMPT):
            request.membership = request.organisation = None
        else:
            request.membership = current_membership(request)
            request.organisation = request.membership.organisation if request.membership else None
        return self.get_response(request)


# --- Session lifetimes ------------------------------------------------------
SESSION_STARTED = "signed_in_at"
SESSION_SEEN = "last_seen_at"
# The last-seen time is written at most this often, so most requests save no session.
_SEEN_RESOLUTION = 60


def mark_session_start(request) -> None:
    now = int(time.time())
    request.session[SESSION_STARTED] = now
    request.session[SESSION_SEEN] = now


class SessionLifetimeMiddleware:
    """Signs a person out after ``SESSION_IDLE_TIMEOUT`` seconds without a request, and
    ``SESSION_MAX_AGE`` seconds after signing in whatever they do."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and not request.path.startswith(_EXEMPT):
            now = int(time.time())
            started = request.session.setdefault(SESSION_STARTED, now)
            seen = request.session.get(SESSION_SEEN, now)
            if now - seen > settings.SESSION_IDLE_TIMEOUT:
                return self._signed_out(request, "after a while without activity")
            if now - started > settings.SESSION_MAX_AGE:
                return self._signed_out(request, "because the session reached its time limit")
            if now - seen >= _SEEN_RESOLUTION or SESSION_SEEN not in request.session:
                request.session[SESSION_SEEN] = now
        return self.get_response(request)

    @staticmethod
    def _signed_out(request, why: str):
        logout(request)
        messages.info(request, f"You were signed out {why}. Sign in again to continue.")
        login_url = (
            f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}"
        )
        if request.headers.get("HX-Request") == "true":
            # A swap would put the sign-in page inside a fragment: send the whole page there.
            return HttpResponseClientRedirect(login_url)
        return redirect(login_url)

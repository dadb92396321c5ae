from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.access import org_view
from apps.accounts.roles import Perm
from apps.core.htmx import toast
from apps.dashboard import services
from apps.gateway.errors import UpstreamError
from apps.keys import selectors as key_selectors


@org_view(Perm.VIEW_DASHBOARD)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "status": services.status_for(request.organisation),
        # Read from the keys mirror: no upstream call for a count the sync keeps current.
        "key_count": key_selectors.key_count(request.organisation),
    }
    return render(request, "dashboard/home.html", context)


@org_view(Perm.VIEW_DASHBOARD)
@require_GET
def credits_card(request: HttpRequest) -> HttpResponse:
    # The refreshed connection status rides along as an out-of-band swap.
    context: dict = {"oob": bool(request.htmx)}
    try:
        context["credits"] = services.credits_refresh(request.organisation)
    except UpstreamError as exc:
        context["error"] = exc.user_message
    context["status"] = services.status_for(request.organisation)
    return render(request, "dashboard/home.html#credits-card", context)


@org_view(Perm.VIEW_CONNECTION)
@require_GET
def connection(request: HttpRequest) -> HttpResponse:
    return render(
        request, "dashboard/connection.html", {"status": services.status_for(request.organisation)}
    )


@org_view(Perm.VIEW_CONNECTION)
@require_GET
def connection_details(request: HttpRequest) -> HttpResponse:
    return _connection_details(request)


@org_view(Perm.VIEW_CONNECTION)
@require_POST
def connection_test(request: HttpRequest) -> HttpResponse:
    response = _connection_details(request)
    ok = services.status_for(request.organisation).ok
    return toast(
        response, "Connection works." if ok else "Connection failed.", "success" if ok else "error"
    )


def _connection_details(request: HttpRequest) -> HttpResponse:
    context: dict = {}
    try:
        context["key"] = services.connection_check(request.organisation)
    except UpstreamError as exc:
        context["error"] = exc.user_message
    context["status"] = services.status_for(request.organisation)
    return render(request, "dashboard/connection.html#details", context)

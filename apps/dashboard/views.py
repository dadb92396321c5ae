"""Home and Connection: read what the workers cached (no page view calls upstream)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from apps.accounts.access import org_view
from apps.accounts.roles import Perm
from apps.core.kit import can, render_page
from apps.dashboard import selectors
from apps.dashboard.syncs import STREAM
from apps.keys import selectors as key_selectors
from apps.keys.models import Key
from apps.spend import selectors as spend_selectors
from apps.syncs.selectors import stream_status


@org_view(Perm.VIEW_DASHBOARD)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    context: dict = {"status": selectors.connection_status(organisation)}
    if can(request, Perm.VIEW_SPEND):
        context["credits"] = spend_selectors.credits_latest(organisation)
        context["credits_sync"] = stream_status(organisation, "credits")
    if can(request, Perm.VIEW_KEYS):
        context["key_counts"] = key_selectors.key_counts(organisation)
    context["my_keys"] = Key.objects.filter(organisation=organisation, owner=request.user).count()
    return render_page(request, "dashboard/home.html", context)


@org_view(Perm.VIEW_CONNECTION)
@require_GET
def connection(request: HttpRequest) -> HttpResponse:
    context = {
        "status": selectors.connection_status(request.organisation),
        "sync": stream_status(request.organisation, STREAM),
    }
    return render_page(request, "dashboard/connection.html", context, partial="details")

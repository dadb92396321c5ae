"""Sync status for any stream the role may see: the polled status line, "sync now", health."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from apps.accounts.access import org_view, role_refused
from apps.accounts.roles import Perm
from apps.core.kit import can, finish, render_page, toast
from apps.syncs import selectors, services
from apps.syncs.registry import Stream, stream_get, streams


def _stream_for(request: HttpRequest, name: str) -> Stream:
    try:
        return stream_get(name)
    except LookupError:
        raise Http404("No such sync stream.") from None


def _status(request: HttpRequest, stream: Stream, *, waited: bool) -> HttpResponse:
    status = selectors.stream_status(request.organisation, stream.name)
    response = render(request, "components/sync_status.html", {"status": status})
    if waited and not status.pending:
        # The run the page was waiting for is over: lists listening for this reload.
        trigger_client_event(response, "synced", {"stream": stream.name})
    return response


@org_view(Perm.VIEW_DASHBOARD)
@require_GET
def sync_status(request: HttpRequest, stream: str) -> HttpResponse:
    chosen = _stream_for(request, stream)
    if not can(request, chosen.view_perm):
        return role_refused(request)
    return _status(request, chosen, waited=request.GET.get("waiting") == "1")


@org_view(Perm.VIEW_DASHBOARD)
@require_POST
def sync_now(request: HttpRequest, stream: str) -> HttpResponse:
    chosen = _stream_for(request, stream)
    if not can(request, chosen.view_perm):
        return role_refused(request)
    queued = services.sync_request(organisation=request.organisation, stream=chosen.name)
    message = (
        f"{chosen.label}: sync queued."
        if queued
        else f"{chosen.label}: a sync was asked for moments ago; it is on its way."
    )
    if not request.htmx:
        return finish(request, reverse("syncs:health"), message)
    return toast(
        _status(request, chosen, waited=False), message, "success" if queued else "warning"
    )


@org_view(Perm.VIEW_CONNECTION)
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    visible = [s.name for s in streams() if can(request, s.view_perm)]
    rows = [
        (status, selectors.runs_recent(request.organisation, status.name))
        for status in selectors.streams_status(request.organisation, visible)
    ]
    return render_page(request, "syncs/health.html", {"rows": rows}, partial="streams")

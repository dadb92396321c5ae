"""Spend pages: thin views over ``selectors`` (local tables only; no upstream call)."""

from __future__ import annotations

import csv
from datetime import date, timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.access import get_for_org, org_view
from apps.accounts.models import Membership
from apps.accounts.roles import Perm
from apps.audit.context import Actor
from apps.core.htmx import toast
from apps.spend import selectors, services, statements
from apps.spend.budgets import budget_lines
from apps.spend.filters import Filters, default_filters, filters_parse
from apps.spend.forms import SpendSettingsForm, StatementForm


class _Echo:
    """A file-like object whose write returns the line: csv.writer feeds the stream."""

    def write(self, value: str) -> str:
        return value


def _csv_response(rows, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _filters(request: HttpRequest, scope, labels) -> tuple[Filters, list[str], dict, date]:
    """The requested filters, or the last valid ones (kept in the session) plus messages."""
    org = request.organisation
    today = selectors.reporting_today(org)
    choices = selectors.filter_choices(org, scope, labels)
    known = {name: {value for value, _ in options} for name, options in choices.items()}
    session_key = f"spend_filters_{org.pk}"
    default = default_filters(today)
    fallback, _bad = filters_parse(
        request.session.get(session_key, {}), today=today, known=known, fallback=default
    )
    if not request.GET:
        return fallback, [], choices, today  # a plain visit shows the last view
    filters, errors = filters_parse(
        request.GET, today=today, known=known, fallback=fallback, defaults=default
    )
    if not errors:
        request.session[session_key] = filters.as_session()
    return filters, errors, choices, today


def _scope(request: HttpRequest):
    return selectors.scope_for(request.membership)


@org_view(Perm.VIEW_DASHBOARD)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    labels = selectors.labels_for(request.organisation)
    filters, errors, choices, today = _filters(request, scope, labels)
    context = {
        "data": selectors.dashboard_get(request.organisation, filters, scope, labels),
        "filters": filters,
        "errors": errors,
        "choices": choices,
        "scope": scope,
        "latest_day": today - timedelta(days=1),
        "stale": selectors.stale_streams(request.organisation),
        "settings": selectors.settings_for(request.organisation),
        "export_query": filters.as_query(),
    }
    template = "spend/dashboard.html#results" if request.htmx else "spend/dashboard.html"
    return render(request, template, context, status=400 if errors and request.htmx else 200)


@org_view(Perm.VIEW_DASHBOARD)
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    labels = selectors.labels_for(request.organisation)
    filters, errors, _choices, _today = _filters(request, scope, labels)
    if errors:
        for error in errors:
            messages.error(request, error)
        return redirect("spend:dashboard")
    name = f"spend-{filters.start}-{filters.end}.csv"
    return _csv_response(selectors.export_rows(request.organisation, filters, scope), name)


@org_view(Perm.VIEW_SPEND)
@require_GET
def credits(request: HttpRequest) -> HttpResponse:
    context = {
        "runway": selectors.runway_get(request.organisation),
        "form": SpendSettingsForm(instance=selectors.settings_for(request.organisation)),
        "stale": selectors.stale_streams(request.organisation),
    }
    template = "spend/credits.html#runway" if request.htmx else "spend/credits.html"
    return render(request, template, context)


@org_view(Perm.MANAGE_ORGANISATION)
@require_POST
def settings_update(request: HttpRequest) -> HttpResponse:
    form = SpendSettingsForm(request.POST, instance=selectors.settings_for(request.organisation))
    if not form.is_valid():
        context = {"runway": selectors.runway_get(request.organisation), "form": form}
        template = "spend/credits.html#settings-form" if request.htmx else "spend/credits.html"
        return render(request, template, context, status=400)
    services.spend_settings_update(
        actor=Actor.from_request(request), organisation=request.organisation, **form.cleaned_data
    )
    if request.htmx:
        response = render(request, "spend/credits.html#settings-form", {"form": form})
        return toast(response, "Spend settings saved.")
    messages.success(request, "Spend settings saved.")
    return redirect("spend:credits")


@org_view(Perm.VIEW_DASHBOARD)
@require_GET
def budgets(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    user_ids = None
    if scope.limited:
        user_ids = selectors.member_upstream_ids(request.organisation, request.user)
    context = {"lines": budget_lines(request.organisation, user_ids=user_ids), "scope": scope}
    template = "spend/budgets.html#lines" if request.htmx else "spend/budgets.html"
    return render(request, template, context)


@org_view(Perm.VIEW_SPEND)
@require_GET
def alerts(request: HttpRequest) -> HttpResponse:
    context = {"alerts": selectors.alerts_recent(request.organisation)}
    template = "spend/alerts.html#list" if request.htmx else "spend/alerts.html"
    return render(request, template, context)


@org_view(Perm.VIEW_SPEND)
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    context = {"streams": selectors.health_get(request.organisation)}
    template = "spend/health.html#streams" if request.htmx else "spend/health.html"
    return render(request, template, context)


@org_view(Perm.VIEW_SPEND)
@require_POST
def sync_now(request: HttpRequest) -> HttpResponse:
    stream = request.POST.get("stream") or None
    if stream is not None and stream not in selectors.INTERVALS:
        return HttpResponse("Unknown stream.", status=400)
    queued = services.sync_request(
        organisation=request.organisation, streams=[stream] if stream else None
    )
    text = f"Sync queued: {', '.join(queued)}."
    if request.htmx:
        context = {"streams": selectors.health_get(request.organisation)}
        return toast(render(request, "spend/health.html#streams", context), text)
    messages.success(request, text)
    return redirect("spend:health")


def _statement_form(request: HttpRequest) -> tuple[StatementForm, list[tuple[str, str]]]:
    labels = selectors.labels_for(request.organisation)
    workspaces = sorted(labels.workspaces.items(), key=lambda item: item[1])
    data = request.GET if request.GET else None
    return StatementForm(data, workspaces=workspaces), workspaces


@org_view(Perm.VIEW_SPEND)
@require_GET
def statement(request: HttpRequest) -> HttpResponse:
    form, _ = _statement_form(request)
    context: dict = {"form": form}
    if form.is_valid():
        context["statement"] = statements.statement_get(
            request.organisation, form.cleaned_data["workspace"], form.cleaned_data["month"]
        )
    template = "spend/statement.html#body" if request.htmx else "spend/statement.html"
    return render(request, template, context, status=400 if form.errors else 200)


@org_view(Perm.VIEW_SPEND)
@require_GET
def statement_csv(request: HttpRequest) -> HttpResponse:
    form, _ = _statement_form(request)
    if not form.is_valid():
        messages.error(request, "Choose a workspace and a month (YYYY-MM).")
        return redirect("spend:statement")
    ws, month = form.cleaned_data["workspace"], form.cleaned_data["month"]
    rows = statements.statement_rows(request.organisation, ws, month)
    return _csv_response(rows, f"statement-{ws[:8]}-{month}.csv")


def _identities_context(request: HttpRequest) -> dict:
    org = request.organisation
    return {
        "memberships": Membership.objects.filter(organisation=org).select_related("user"),
        "linked": selectors.identities_by_user(org),
        "creators": selectors.key_creators(org),
        "names": selectors.member_emails(org),
    }


@org_view(Perm.MANAGE_MEMBERS)
@require_GET
def identities(request: HttpRequest) -> HttpResponse:
    template = "spend/identities.html#table" if request.htmx else "spend/identities.html"
    return render(request, template, _identities_context(request))


@org_view(Perm.MANAGE_MEMBERS)
@require_POST
def identity_set(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = get_for_org(request, Membership, pk=membership_id)
    upstream_user_id = request.POST.get("upstream_user_id", "").strip()
    if upstream_user_id and upstream_user_id not in selectors.key_creators(request.organisation):
        return HttpResponse("Unknown upstream user.", status=400)
    services.identity_set(
        actor=Actor.from_request(request),
        organisation=request.organisation,
        user=membership.user,
        upstream_user_id=upstream_user_id,
    )
    if request.htmx:
        response = render(request, "spend/identities.html#table", _identities_context(request))
        return toast(response, f"Saved for {membership.user.email}.")
    messages.success(request, f"Saved for {membership.user.email}.")
    return redirect("spend:identities")

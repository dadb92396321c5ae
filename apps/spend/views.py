"""Spend pages: thin views over ``selectors`` (local tables only; no upstream call)."""

from __future__ import annotations

import csv
from datetime import date, timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.access import get_for_org, org_view
from apps.accounts.models import Membership
from apps.accounts.roles import Perm
from apps.audit.context import Actor
from apps.core.csv import csv_safe_row
from apps.core.errors import Invalid
from apps.core.kit import refuse, render_page, saved
from apps.keys.selectors import creator_user_counts
from apps.members import selectors as member_selectors
from apps.members.services import identity_set as identity_set_service
from apps.spend import selectors
from apps.spend.filters import Filters, default_filters, filters_parse
from apps.spend.forms import SpendSettingsForm, StatementForm
from apps.spend.services.settings import spend_settings_update


class _Echo:
    """A file-like object whose write returns the line: csv.writer feeds the stream."""

    def write(self, value: str) -> str:
        return value


def _csv_response(rows, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(csv_safe_row(row)) for row in rows),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _session_key(request: HttpRequest) -> str:
    return f"spend_filters_{request.organisation.pk}"


def _filters(request: HttpRequest, scope, labels) -> tuple[Filters, list[str], dict, date]:
    """The requested filters, or the last valid ones (kept in the session) plus messages."""
    org = request.organisation
    today = selectors.reporting_today(org)
    choices = selectors.filter_choices(org, scope, labels)
    known = {name: {value for value, _ in options} for name, options in choices.items()}
    default = default_filters(today)
    if request.GET.get("clear"):
        request.session.pop(_session_key(request), None)
        return default, [], choices, today
    fallback, _bad = filters_parse(
        request.session.get(_session_key(request), {}), today=today, known=known, fallback=default
    )
    if not request.GET:
        return fallback, [], choices, today  # a plain visit shows the last view
    filters, errors = filters_parse(
        request.GET, today=today, known=known, fallback=fallback, defaults=default
    )
    if not errors:
        request.session[_session_key(request)] = filters.as_session()
    return filters, errors, choices, today


def _typed(request: HttpRequest, filters: Filters, errors: list[str]) -> dict[str, str]:
    """What the filter form shows: what was typed when it was refused, else the view's."""
    shown = {k: str(v) for k, v in filters.as_query().items()}
    if errors:
        shown.update({k: v for k, v in request.GET.items() if k in Filters.__dataclass_fields__})
    return shown


@org_view(Perm.VIEW_DASHBOARD)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = selectors.scope_for(request.membership)
    labels = selectors.labels_for(request.organisation)
    filters, errors, choices, today = _filters(request, scope, labels)
    context = {
        "data": selectors.dashboard_get(request.organisation, filters, scope, labels),
        "filters": filters,
        "typed": _typed(request, filters, errors),
        "errors": errors,
        "choices": choices,
        "scope": scope,
        "today": today,
        "latest_day": today - timedelta(days=1),
        "filters_active": filters != default_filters(today),
        "stale": selectors.stale_streams(request.organisation),
        "settings": selectors.settings_for(request.organisation),
    }
    status = 422 if errors else 200
    return render_page(request, "spend/dashboard.html", context, partial="results", status=status)


@org_view(Perm.VIEW_DASHBOARD)
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    scope = selectors.scope_for(request.membership)
    labels = selectors.labels_for(request.organisation)
    filters, errors, _choices, _today = _filters(request, scope, labels)
    if errors:
        for error in errors:
            messages.error(request, error)
        return redirect("spend:dashboard")
    name = f"spend-{filters.start}-{filters.end}.csv"
    return _csv_response(selectors.export_rows(request.organisation, filters, scope), name)


def _credits_context(request: HttpRequest, form: SpendSettingsForm | None = None) -> dict:
    settings = selectors.settings_for(request.organisation)
    return {
        "runway": selectors.runway_get(request.organisation),
        "form": form or SpendSettingsForm(instance=settings),
        "stale": selectors.stale_streams(request.organisation),
    }


@org_view(Perm.VIEW_SPEND)
@require_GET
def credits(request: HttpRequest) -> HttpResponse:
    return render_page(request, "spend/credits.html", _credits_context(request), partial="runway")


@org_view(Perm.MANAGE_ORGANISATION)
@require_POST
def settings_update(request: HttpRequest) -> HttpResponse:
    form = SpendSettingsForm(request.POST, instance=selectors.settings_for(request.organisation))
    if not form.is_valid():
        context = _credits_context(request, form)
        return render_page(
            request, "spend/credits.html", context, partial="settings-form", status=422
        )
    spend_settings_update(
        actor=Actor.from_request(request), organisation=request.organisation, **form.cleaned_data
    )
    return saved(
        request,
        back=reverse("spend:credits"),
        part="spend/credits.html#settings-form",
        context=lambda: {"form": form},
        message="Spend settings saved.",
    )


@org_view(Perm.VIEW_DASHBOARD)
@require_GET
def budgets(request: HttpRequest) -> HttpResponse:
    scope = selectors.scope_for(request.membership)
    user_ids = None
    if scope.limited:
        user_ids = member_selectors.upstream_ids_of(request.organisation, request.user)
    context = {
        "lines": selectors.budget_lines(request.organisation, user_ids=user_ids),
        "scope": scope,
    }
    return render_page(request, "spend/budgets.html", context, partial="lines")


@org_view(Perm.VIEW_SPEND)
@require_GET
def alerts(request: HttpRequest) -> HttpResponse:
    context = {"alerts": selectors.alerts_recent(request.organisation)}
    return render_page(request, "spend/alerts.html", context, partial="list")


def _statement_form(request: HttpRequest) -> StatementForm:
    labels = selectors.labels_for(request.organisation)
    workspaces = sorted(labels.workspaces.items(), key=lambda item: item[1])
    return StatementForm(
        request.GET or None,
        workspaces=workspaces,
        months=selectors.statement_months(request.organisation),
    )


@org_view(Perm.VIEW_SPEND)
@require_GET
def statement(request: HttpRequest) -> HttpResponse:
    form = _statement_form(request)
    context: dict = {"form": form}
    if form.is_valid():
        context["statement"] = selectors.statement_get(
            request.organisation, form.cleaned_data["workspace"], form.cleaned_data["month"]
        )
    status = 422 if form.errors else 200
    return render_page(request, "spend/statement.html", context, partial="body", status=status)


@org_view(Perm.VIEW_SPEND)
@require_GET
def statement_csv(request: HttpRequest) -> HttpResponse:
    form = _statement_form(request)
    if not form.is_valid():
        messages.error(request, "Choose a workspace and a month.")
        return redirect("spend:statement")
    ws, month = form.cleaned_data["workspace"], form.cleaned_data["month"]
    rows = selectors.statement_rows(request.organisation, ws, month)
    return _csv_response(rows, f"statement-{ws[:8]}-{month}.csv")


def _identities_context(request: HttpRequest) -> dict:
    org = request.organisation
    return {
        "memberships": Membership.objects.filter(organisation=org).select_related("user"),
        "linked": member_selectors.identities_by_user(org),
        "creators": creator_user_counts(org),
        "people": member_selectors.people_labels(org),
    }


@org_view(Perm.MANAGE_MEMBERS)
@require_GET
def identities(request: HttpRequest) -> HttpResponse:
    return render_page(
        request, "spend/identities.html", _identities_context(request), partial="table"
    )


@org_view(Perm.MANAGE_MEMBERS)
@require_POST
def identity_set(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = get_for_org(request, Membership, pk=membership_id)
    upstream_user_id = request.POST.get("upstream_user_id", "").strip()
    back = reverse("spend:identities")
    if upstream_user_id and upstream_user_id not in creator_user_counts(request.organisation):
        return refuse(request, Invalid("Unknown upstream user: pick one from the list."), back=back)
    identity_set_service(
        actor=Actor.from_request(request),
        organisation=request.organisation,
        user=membership.user,
        upstream_user_id=upstream_user_id,
    )
    message = f"Saved for {membership.user.email}."
    return saved(
        request,
        back=back,
        part="spend/identities.html#table",
        context=lambda: _identities_context(request),
        message=message,
    )

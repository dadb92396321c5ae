"""Workspaces: the list, a workspace's page (settings, budgets, members, keys), create, delete,
and members added or removed in bulk. Pages read the mirror only."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.access import get_for_org, org_view, role_refused
from apps.accounts.roles import Perm
from apps.audit.context import Actor
from apps.audit.selectors import audit_for_target
from apps.core.errors import ConsoleError
from apps.core.kit import (
    can,
    confirm_dialog,
    edit_in_place,
    finish,
    form_fail,
    posted,
    refuse,
    render_form,
    render_page,
    saved,
)
from apps.guardrails.services import guardrail_default_configure
from apps.spend.selectors import budget_lines
from apps.syncs.selectors import stream_status
from apps.workspaces import forms, selectors, services
from apps.workspaces.models import Workspace
from apps.workspaces.syncs import STREAM

LIST = "workspaces:list"


def _workspace(request: HttpRequest, workspace_id: str) -> Workspace:
    """A workspace of this organisation the person may read (a member: theirs only)."""
    visible = selectors.workspaces_visible(
        request.organisation, request.user, see_all=can(request, Perm.VIEW_ALL_WORKSPACES)
    )
    return get_for_org(request, visible, workspace_id=workspace_id)


def _detail_url(ws: Workspace) -> str:
    return reverse("workspaces:detail", args=[ws.workspace_id])


@org_view(Perm.VIEW_WORKSPACES)
@require_GET
def workspace_list(request: HttpRequest) -> HttpResponse:
    form = forms.WorkspaceFilterForm(request.GET or None)
    q, sort = form.filters()
    see_all = can(request, Perm.VIEW_ALL_WORKSPACES)
    visible = selectors.workspaces_visible(request.organisation, request.user, see_all=see_all)
    context = {
        "form": form,
        "q": q,
        "sort": sort,
        "sorts": forms.SORTS,
        "filters_active": bool(q) or sort != "name",
        "rows": selectors.workspace_rows(visible, q=q, sort=sort),
        "see_all": see_all,
        "manage": can(request, Perm.MANAGE_WORKSPACES),
        "sync": stream_status(request.organisation, STREAM) if see_all else None,
        "query": request.GET.urlencode(),
    }
    return render_page(request, "workspaces/list.html", context, partial="results")


@org_view(Perm.MANAGE_WORKSPACES)
@require_http_methods(["GET", "POST"])
def workspace_create(request: HttpRequest) -> HttpResponse:
    form = forms.WorkspaceForm(
        request.POST if request.method == "POST" else None, organisation=request.organisation
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            ws = services.workspace_create(
                Actor.from_request(request), name=data.pop("name"), slug=data.pop("slug"), **data
            )
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            return finish(request, _detail_url(ws), f"Workspace {ws.name} created.")
    return render_form(request, "workspaces/create.html", {"form": form}, partial="form")


def _detail_context(request: HttpRequest, ws: Workspace, **forms_) -> dict:
    manage = can(request, Perm.MANAGE_WORKSPACES)
    if manage:
        current = services.workspace_budgets(ws)
        forms_.setdefault(
            "form",
            forms.WorkspaceForm(
                initial=forms.WorkspaceForm.initial_for(ws), organisation=request.organisation
            ),
        )
        forms_.setdefault(
            "budgets_form",
            forms.BudgetsForm(
                initial={i: b.limit_usd.quantize(Decimal("0.01")) for i, b in current.items()}
            ),
        )
    members = selectors.workspace_members(ws)
    return {
        "workspace": ws,
        "manage": manage,
        "budgets": [
            line
            for line in budget_lines(request.organisation)
            if line.budget.kind == "workspace" and line.budget.workspace_id == ws.workspace_id
        ],
        "members": members,
        "remove_form": forms.MembersForm(choices=[(m.user_id, m.label) for m in members]),
        "add_form": forms.MembersForm(choices=selectors.member_candidates(ws)) if manage else None,
        "q": "",
        "keys": selectors.workspace_keys(ws),
        "default_guardrail": selectors.default_guardrail(ws),
        "history": audit_for_target(request.organisation, services.TARGET, ws.workspace_id)[:20]
        if manage
        else [],
        **forms_,
    }


@org_view(Perm.VIEW_WORKSPACES)
@require_http_methods(["GET", "POST"])
def workspace_detail(request: HttpRequest, workspace_id: str) -> HttpResponse:
    """The workspace's page; its settings form for owners and admins (POST saves)."""
    ws = _workspace(request, workspace_id)
    if request.method == "POST" and not can(request, Perm.MANAGE_WORKSPACES):
        return role_refused(request)
    form = None
    if request.method == "POST":
        form = forms.WorkspaceForm(request.POST, organisation=request.organisation)
    return edit_in_place(
        request,
        form,
        lambda: services.workspace_update(Actor.from_request(request), ws, **form.changes(ws)),
        current=ws,
        template="workspaces/detail.html",
        context=lambda ws, form: _detail_context(request, ws, **({"form": form} if form else {})),
        back=_detail_url,
    )


def _warn_blocking(form, ws) -> None:
    """Before saving a limit already spent, say which keys it would stop at once."""
    current = {i: b.limit_usd for i, b in services.workspace_budgets(ws).items()}
    form.blocking = selectors.budgets_would_block(ws, form.wanted(), current)
    if form.blocking:
        keys = form.blocking[0].keys
        models = ", ".join(form.blocking[0].models[:5]) or "models"
        what = (
            f"{len(keys)} key{'s' if len(keys) != 1 else ''} that called {models} in the last "
            "7 days"
            if keys
            else "every key of this workspace"
        )
        limits = "; ".join(
            f"the {b.interval} limit ${b.limit:,.2f} is already spent (${b.spent:,.2f})"
            for b in form.blocking
        )
        form.add_error(
            None, f"This change would block {what}: {limits}. Tick “Save anyway” to save it."
        )


def _bulk_message(outcome: services.BulkOutcome, noun: str, done: str, labels: dict) -> str:
    names = ", ".join(labels.get(i, i) for i in outcome.done)
    message = f"{len(outcome.done)} {noun} {done}: {names}." if outcome.done else ""
    if outcome.error is not None:
        failed = ", ".join(labels.get(i, i) for i in outcome.failed)
        message += f" Not applied ({failed}): {outcome.error.user_message}"
    return message.strip()


@org_view(Perm.MANAGE_WORKSPACES)
@require_POST
def workspace_budgets(request: HttpRequest, workspace_id: str) -> HttpResponse:
    ws = _workspace(request, workspace_id)
    form = forms.BudgetsForm(request.POST)
    if form.is_valid() and not form.cleaned_data["accept_blocking"]:
        _warn_blocking(form, ws)
    if form.is_valid():
        outcome = services.workspace_budgets_save(Actor.from_request(request), ws, form.wanted())
        if outcome.error is None:
            return saved(
                request,
                back=_detail_url(ws),
                part="workspaces/detail.html#budgets",
                context=lambda: _detail_context(request, ws),
                message="Budgets saved.",
            )
        form_fail(form, outcome.error)
        if outcome.done:
            form.add_error(None, _bulk_message(outcome, "budgets", "saved", {}))
    context = _detail_context(request, ws, budgets_form=form)
    return render_form(
        request, "workspaces/detail.html", context, partial="budgets", form_key="budgets_form"
    )


@org_view(Perm.MANAGE_WORKSPACES)
@require_http_methods(["GET", "POST"])
def workspace_members_add(request: HttpRequest, workspace_id: str) -> HttpResponse:
    """Organisation members not in the workspace, searchable; POST adds those picked."""
    ws = _workspace(request, workspace_id)
    q = request.GET.get("q", "").strip()[:100]
    choices = selectors.member_candidates(ws, q if request.method == "GET" else "")
    form = forms.MembersForm(request.POST if request.method == "POST" else None, choices=choices)
    if request.method == "POST" and form.is_valid():
        outcome = services.workspace_members_add(
            Actor.from_request(request), ws, form.cleaned_data["user_ids"]
        )
        message = _bulk_message(outcome, "members", "added", dict(choices))
        if outcome.error is None:
            return finish(request, _detail_url(ws), message)
        form_fail(form, outcome.error)
        form.add_error(None, message)
    context = {"workspace": ws, "add_form": form, "q": q}
    partial = "choices" if request.method == "GET" else "panel"
    return render_form(
        request, "workspaces/members_add.html", context, partial=partial, form_key="add_form"
    )


@org_view(Perm.MANAGE_WORKSPACES)
@require_POST
def workspace_members_remove(request: HttpRequest, workspace_id: str) -> HttpResponse:
    ws = _workspace(request, workspace_id)
    members = selectors.workspace_members(ws)
    labels = {m.user_id: m.label for m in members}
    form = forms.MembersForm(request.POST, choices=list(labels.items()))
    if not form.is_valid():
        context = _detail_context(request, ws, remove_form=form)
        return render_form(
            request, "workspaces/detail.html", context, partial="members", form_key="remove_form"
        )
    outcome = services.workspace_members_remove(
        Actor.from_request(request), ws, form.cleaned_data["user_ids"]
    )
    message = _bulk_message(outcome, "members", "removed", labels)
    if outcome.error is not None and not outcome.done:
        return refuse(request, outcome.error, back=_detail_url(ws))
    return saved(
        request,
        back=_detail_url(ws),
        part="workspaces/detail.html#members",
        context=lambda: _detail_context(request, ws),
        message=message,
        level="success" if outcome.error is None else "warning",
    )


@org_view(Perm.MANAGE_WORKSPACES)
@require_http_methods(["GET", "POST"])
def workspace_delete(request: HttpRequest, workspace_id: str) -> HttpResponse:
    ws = _workspace(request, workspace_id)
    context = {
        "workspace": ws,
        "keys": list(services.active_keys(ws)[:20]),
        "budgets": services.workspace_budgets(ws),
    }
    return confirm_dialog(
        request,
        forms.DeleteForm(posted(request), expected=ws.name),
        lambda: services.workspace_delete(Actor.from_request(request), ws),
        template="workspaces/delete.html",
        context=context,
        done=reverse(LIST),
        message=f"Workspace {ws.name} deleted.",
    )


@org_view(Perm.MANAGE_GUARDRAILS)
@require_POST
def workspace_default_guardrail(request: HttpRequest, workspace_id: str) -> HttpResponse:
    """Set up the workspace's default guardrail, then edit it on its own page."""
    ws = _workspace(request, workspace_id)
    try:
        g = guardrail_default_configure(Actor.from_request(request), ws)
    except ConsoleError as exc:
        return refuse(request, exc, back=_detail_url(ws))
    return finish(
        request,
        reverse("guardrails:detail", args=[g.guardrail_id]),
        f"The default guardrail of {ws.name} is set up: what you set here applies to every "
        "key and member of the workspace.",
    )

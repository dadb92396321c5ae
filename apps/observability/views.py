"""Observability destinations: the list, add (one form per type), edit, enable/disable,
delete. Views that take secrets wear ``sensitive_post_parameters()`` and ``never_cache``;
no response ever carries a secret back."""

from __future__ import annotations

from django import forms as django_forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.access import get_for_org, org_view, role_refused
from apps.accounts.roles import Perm
from apps.audit.context import Actor
from apps.audit.selectors import audit_for_target
from apps.core.errors import ConsoleError
from apps.core.kit import (
    can,
    confirm_dialog,
    finish,
    form_fail,
    posted,
    refuse,
    render_form,
    render_page,
    saved,
    toast,
)
from apps.observability import forms, selectors, services, types
from apps.observability.models import Destination
from apps.syncs.selectors import stream_status
from apps.workspaces.selectors import workspace_choices, workspace_names

LIST = "observability:list"
DEFAULT_TYPE = "webhook"
PASTE_AGAIN = "For safety secrets are never sent back to the page: type them again."


class FilterForm(django_forms.Form):
    q = django_forms.CharField(required=False, max_length=100)
    type = django_forms.CharField(required=False, max_length=40)
    workspace = django_forms.CharField(required=False, max_length=64)
    state = django_forms.ChoiceField(
        required=False, choices=[("", ""), ("enabled", ""), ("disabled", "")]
    )

    def filters(self) -> selectors.DestinationFilters:
        if not self.is_bound or not self.is_valid():
            return selectors.DestinationFilters()
        return selectors.DestinationFilters(**self.cleaned_data)


def _list_context(request: HttpRequest) -> dict:
    organisation = request.organisation
    form = FilterForm(request.GET or None)
    filters = form.filters()
    return {
        "filters": filters,
        "filters_active": filters != selectors.DestinationFilters(),
        "destinations": selectors.destinations_list(organisation, filters),
        "workspace_names": workspace_names(organisation),
        "workspaces": workspace_choices(organisation),
        "types": [(t, types.type_label(t)) for t in selectors.types_in_use(organisation)],
        "manage": can(request, Perm.MANAGE_OBSERVABILITY),
        "sync": stream_status(organisation, selectors.STREAM),
        "query": request.GET.urlencode(),
    }


@org_view(Perm.VIEW_OBSERVABILITY)
@require_GET
def destination_list(request: HttpRequest) -> HttpResponse:
    return render_page(
        request, "observability/list.html", _list_context(request), partial="results"
    )


def _form(request: HttpRequest, kind: str, destination=None, data=None, initial=None):
    return forms.DestinationForm(
        data,
        kind=kind,
        destination=destination,
        organisation=request.organisation,
        workspaces=workspace_choices(request.organisation),
        initial=initial,
    )


def _form_context(request: HttpRequest, form, kind: str, workspace_id: str = "") -> dict:
    workspaces = workspace_choices(request.organisation)
    workspace_id = workspace_id or (workspaces[0][0] if workspaces else "")
    return {
        "form": form,
        "kind": kind,
        "kind_label": types.type_label(kind),
        "limit": forms.MAX_PER_TYPE,
        "used": selectors.type_counts(request.organisation, workspace_id)[kind],
        "paste_again": form is not None and form.is_bound and bool(form.errors),
        "paste_again_text": PASTE_AGAIN,
        "choices": types.type_choices(),
    }


def _room_for(request: HttpRequest, form, kind: str) -> bool:
    """Upstream allows 5 destinations of a type per workspace: said before asking it (the
    mirror may lag, so upstream's own 409 is still shown when it comes)."""
    workspace_id = form.cleaned_data["workspace_id"]
    if selectors.type_counts(request.organisation, workspace_id)[kind] < forms.MAX_PER_TYPE:
        return True
    form.add_error(
        "workspace_id",
        f"This workspace already has {forms.MAX_PER_TYPE} {types.type_label(kind)} "
        "destinations, the most OpenRouter allows: delete one or pick another workspace.",
    )
    return False


@org_view(Perm.MANAGE_OBSERVABILITY)
@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def destination_create(request: HttpRequest) -> HttpResponse:
    """The form of the type chosen (``?type=``; a webhook until one is chosen)."""
    kind = request.GET.get("type") or request.POST.get("type") or DEFAULT_TYPE
    if kind not in types.DESTINATION_TYPES:
        kind = DEFAULT_TYPE
    form = _form(request, kind, data=request.POST or None)
    if request.method == "POST" and form.is_valid() and _room_for(request, form, kind):
        try:
            destination = services.destination_create(
                Actor.from_request(request), type_=kind, secrets=form.secrets(), **form.body()
            )
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            return finish(request, reverse(LIST), f"{destination.display_name} added.")
    workspace_id = request.POST.get("workspace_id", "")
    context = _form_context(request, form, kind, workspace_id)
    return render_form(request, "observability/create.html", context, partial="form")


def _destination(request: HttpRequest, destination_id: str) -> Destination:
    return get_for_org(request, Destination, destination_id=destination_id)


def _detail_context(request: HttpRequest, destination: Destination, form) -> dict:
    manage = can(request, Perm.MANAGE_OBSERVABILITY)
    context = _form_context(request, form, destination.type, destination.workspace_id)
    return context | {
        "destination": destination,
        "kind_label": types.type_label(destination.type),
        "config_fields": types.config_fields(destination.type),
        "manage": manage,
        "workspace_name": workspace_names(request.organisation).get(destination.workspace_id, ""),
        "history": audit_for_target(
            request.organisation, services.TARGET, destination.destination_id
        )[:20]
        if can(request, Perm.VIEW_AUDIT)
        else [],
    }


@org_view(Perm.VIEW_OBSERVABILITY)
@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def destination_detail(request: HttpRequest, destination_id: str) -> HttpResponse:
    """The destination's page; its settings form for owners and admins (POST saves)."""
    destination = _destination(request, destination_id)
    manage = can(request, Perm.MANAGE_OBSERVABILITY)
    if request.method == "POST" and not manage:
        return role_refused(request)
    initial = forms.edit_initial(destination)
    data = request.POST or None
    form = _form(request, destination.type, destination, data, initial) if manage else None
    if request.method == "POST" and form.is_valid():
        body = form.body()
        try:
            destination = services.destination_update(
                Actor.from_request(request), destination, secrets=form.secrets(), **body
            )
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            if not request.htmx:
                return finish(
                    request, reverse("observability:detail", args=[destination_id]), "Saved."
                )
            fresh = _form(
                request, destination.type, destination, initial=forms.edit_initial(destination)
            )
            context = _detail_context(request, destination, fresh)
            return toast(render(request, "observability/detail.html#settings", context), "Saved.")
    return render_form(
        request,
        "observability/detail.html",
        _detail_context(request, destination, form),
        partial="settings",
    )


@org_view(Perm.MANAGE_OBSERVABILITY)
@require_POST
def destination_toggle(request: HttpRequest, destination_id: str) -> HttpResponse:
    destination = _destination(request, destination_id)
    enabled = request.POST.get("enabled") == "true"
    try:
        destination = services.destination_set_enabled(
            Actor.from_request(request), destination, enabled
        )
    except ConsoleError as exc:
        return refuse(request, exc, back=reverse(LIST))
    message = f"{destination.display_name} {'enabled' if enabled else 'disabled'}."
    return saved(
        request,
        back=reverse(LIST),
        part="observability/list.html#results",
        context=lambda: _list_context(request),
        message=message,
    )


@org_view(Perm.MANAGE_OBSERVABILITY)
@require_http_methods(["GET", "POST"])
def destination_delete(request: HttpRequest, destination_id: str) -> HttpResponse:
    destination = _destination(request, destination_id)
    return confirm_dialog(
        request,
        forms.DeleteForm(posted(request), expected=destination.type),
        lambda: services.destination_delete(Actor.from_request(request), destination),
        template="observability/delete.html",
        context={"destination": destination},
        done=reverse(LIST),
        message=f"{destination.display_name} deleted.",
    )

"""BYOK provider keys: the list in try order, create, edit, rotate, order, delete.

Every view that takes a secret wears ``sensitive_post_parameters("key")`` (Django's error
reports then mask it) and ``never_cache``; no response ever carries the secret back.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.access import get_for_org, org_view, role_refused
from apps.accounts.roles import Perm
from apps.audit.context import Actor
from apps.audit.selectors import audit_for_target
from apps.byok import forms, selectors, services
from apps.byok.models import ByokCredential
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
from apps.syncs.selectors import stream_status
from apps.workspaces.selectors import workspace_choices, workspace_names

LIST = "byok:list"
TRIMMED = "The key you pasted had spaces or line breaks around it; they were removed."


def _credential(request: HttpRequest, byok_id: str) -> ByokCredential:
    """A credential of this organisation the person may see (a member: theirs only)."""
    credential = get_for_org(request, ByokCredential, byok_id=byok_id)
    if not can(request, Perm.VIEW_ALL_BYOK):
        visible = selectors.credentials_visible(request.organisation, request.user, see_all=False)
        if credential.byok_id not in {c.byok_id for c in visible}:
            raise Http404("No such credential.")
    return credential


def _list_context(request: HttpRequest) -> dict:
    organisation = request.organisation
    form = forms.ByokFilterForm(request.GET or None)
    filters = form.filters()
    see_all = can(request, Perm.VIEW_ALL_BYOK)
    return {
        "form": form,
        "filters": filters,
        "filters_active": filters != selectors.ByokFilters(),
        "groups": selectors.byok_groups(
            organisation,
            request.user,
            see_all=see_all,
            with_spend=can(request, Perm.VIEW_SPEND),
            filters=filters,
        ),
        "see_all": see_all,
        "manage": can(request, Perm.MANAGE_BYOK),
        "show_spend": can(request, Perm.VIEW_SPEND),
        "spend_days": selectors.spend_window_days(),
        "providers": selectors.provider_filter_choices(organisation),
        "workspaces": workspace_choices(organisation),
        "sync": stream_status(organisation, selectors.STREAM),
        "query": request.GET.urlencode(),
    }


@org_view(Perm.VIEW_BYOK)
@require_GET
def byok_list(request: HttpRequest) -> HttpResponse:
    return render_page(request, "byok/list.html", _list_context(request), partial="results")


@org_view(Perm.MANAGE_BYOK)
@never_cache
@sensitive_post_parameters("key")
@require_http_methods(["GET", "POST"])
def byok_create(request: HttpRequest) -> HttpResponse:
    form = forms.ByokCreateForm(
        request.POST or None,
        organisation=request.organisation,
        workspaces=workspace_choices(request.organisation),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            credential = services.byok_create(
                Actor.from_request(request),
                provider=data.pop("provider"),
                key=data.pop("key"),
                **data,
            )
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            message = f"{credential.provider} key {credential.label} added."
            return finish(
                request, reverse(LIST), f"{message} {TRIMMED}" if form.secret_trimmed else message
            )
    context = {"form": form, "trimmed": form.is_bound and form.secret_trimmed}
    return render_form(request, "byok/create.html", context, partial="form")


def _edit_form(request: HttpRequest, credential: ByokCredential, data=None):
    zdr = {True: "true", False: "false"}.get(credential.declared_zdr, "")
    return forms.ByokEditForm(
        data,
        organisation=request.organisation,
        provider=credential.provider,
        initial={
            "name": credential.name,
            "disabled": credential.disabled,
            "is_fallback": credential.is_fallback,
            "is_required": credential.is_required,
            "is_byok_only": credential.is_byok_only,
            "allowed_models": credential.allowed_models or [],
            "allowed_user_ids": credential.allowed_user_ids or [],
            "allowed_api_key_hashes": credential.allowed_api_key_hashes or [],
            "declared_region": credential.declared_region,
            "declared_zdr": zdr,
        },
    )


@org_view(Perm.VIEW_BYOK)
@require_http_methods(["GET", "POST"])
def byok_detail(request: HttpRequest, byok_id: str) -> HttpResponse:
    """The credential's page; its settings form for owners and admins (POST saves)."""
    credential = _credential(request, byok_id)
    manage = can(request, Perm.MANAGE_BYOK)
    if request.method == "POST" and not manage:
        return role_refused(request)
    form = _edit_form(request, credential, request.POST or None) if manage else None
    return edit_in_place(
        request,
        form,
        lambda: services.byok_update(
            Actor.from_request(request), credential, **form.changes(credential)
        ),
        current=credential,
        template="byok/detail.html",
        context=lambda c, form: _detail_context(
            request, c, form or (_edit_form(request, c) if manage else None)
        ),
        back=lambda c: reverse("byok:detail", args=[c.byok_id]),
    )


def _detail_context(request: HttpRequest, credential: ByokCredential, form) -> dict:
    see_all = can(request, Perm.VIEW_ALL_BYOK)
    return {
        "credential": credential,
        "form": form,
        "manage": can(request, Perm.MANAGE_BYOK),
        "see_all": see_all,
        "workspace_name": workspace_names(request.organisation).get(credential.workspace_id, ""),
        "history": audit_for_target(request.organisation, services.TARGET, credential.byok_id)[:20]
        if see_all
        else [],
    }


@org_view(Perm.MANAGE_BYOK)
@never_cache
@sensitive_post_parameters("key")
@require_http_methods(["GET", "POST"])
def byok_rotate(request: HttpRequest, byok_id: str) -> HttpResponse:
    def rotate(actor: Actor, credential: ByokCredential, key: str) -> str:
        credential = services.byok_rotate(actor, credential, key=key)
        return f"Key replaced; it now shows as {credential.label}."

    return _with_secret(request, byok_id, "byok/rotate.html", rotate)


@org_view(Perm.MANAGE_BYOK)
@never_cache
@sensitive_post_parameters("key")
@require_http_methods(["GET", "POST"])
def byok_move(request: HttpRequest, byok_id: str) -> HttpResponse:
    """Move a credential to the end of its part of the try order (its secret pasted again)."""

    def move(actor: Actor, credential: ByokCredential, key: str) -> str:
        fresh = services.byok_move_to_end(actor, credential, key=key)
        return f"{fresh.label} is now tried last in its part."

    return _with_secret(request, byok_id, "byok/move.html", move)


def _with_secret(request: HttpRequest, byok_id: str, template: str, act) -> HttpResponse:
    """A dialog where the secret is pasted again: ``act`` runs the write and says what it
    did; a refusal lands on the form (the secret is never typed back)."""
    credential = _credential(request, byok_id)
    form = forms.RotateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            message = act(Actor.from_request(request), credential, form.cleaned_data["key"])
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            return finish(
                request, reverse(LIST), f"{message} {TRIMMED}" if form.secret_trimmed else message
            )
    context = {"credential": credential, "form": form, "trimmed": form.secret_trimmed}
    return render_form(request, template, context, partial="modal")


def _after_action(request: HttpRequest, credential: ByokCredential, message: str) -> HttpResponse:
    """The list again (its results), with a toast; a plain form post lands on the list."""
    return saved(
        request,
        back=reverse(LIST),
        part="byok/list.html#results",
        context=lambda: _list_context(request),
        message=message,
    )


@org_view(Perm.MANAGE_BYOK)
@require_POST
def byok_toggle(request: HttpRequest, byok_id: str) -> HttpResponse:
    credential = _credential(request, byok_id)
    disabled = request.POST.get("disabled") == "true"
    try:
        credential = services.byok_set_disabled(Actor.from_request(request), credential, disabled)
    except ConsoleError as exc:
        return refuse(request, exc, back=reverse(LIST))
    state = "disabled" if disabled else "enabled"
    return _after_action(request, credential, f"{credential.display_name} {state}.")


@org_view(Perm.MANAGE_BYOK)
@require_POST
def byok_order(request: HttpRequest, byok_id: str) -> HttpResponse:
    """Try a credential before OpenRouter's capacity (prioritized) or after it (fallback)."""
    credential = _credential(request, byok_id)
    fallback = request.POST.get("place") == "after"
    try:
        credential = services.byok_set_fallback(Actor.from_request(request), credential, fallback)
    except ConsoleError as exc:
        return refuse(request, exc, back=reverse(LIST))
    where = "after" if fallback else "before"
    return _after_action(
        request,
        credential,
        f"{credential.display_name} is now tried {where} OpenRouter's capacity.",
    )


@org_view(Perm.MANAGE_BYOK)
@require_http_methods(["GET", "POST"])
def byok_delete(request: HttpRequest, byok_id: str) -> HttpResponse:
    credential = _credential(request, byok_id)
    return confirm_dialog(
        request,
        forms.DeleteForm(posted(request), expected=credential.provider),
        lambda: services.byok_delete(Actor.from_request(request), credential),
        template="byok/delete.html",
        context={"credential": credential},
        done=reverse(LIST),
        message=f"{credential.label} deleted.",
    )

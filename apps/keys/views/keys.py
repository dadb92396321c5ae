"""Admin and finance pages for keys: list, create, detail, edits, delete, rotation, hygiene."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.access import get_for_org, org_view
from apps.accounts.roles import Perm
from apps.audit.context import Actor
from apps.audit.selectors import audit_for_target
from apps.core.errors import ConsoleError
from apps.core.kit import can, finish, form_fail, refuse, render_form, render_page, saved, toast
from apps.keys import forms, selectors
from apps.keys.models import Key, KeyRotation
from apps.keys.services import keys as key_services
from apps.keys.services import rotation as rotation_services
from apps.keys.syncs import STREAM
from apps.keys.views.common import key_for
from apps.members.selectors import people_labels
from apps.syncs.selectors import stream_status
from apps.workspaces.selectors import workspace_choices

# --- list -------------------------------------------------------------------------------------


def _list_context(request: HttpRequest) -> dict:
    organisation = request.organisation
    form = forms.KeyFilterForm(request.GET or None)
    filters = form.filters()
    rows, next_cursor = selectors.keys_page(
        organisation, filters, after=request.GET.get("after", "")
    )
    query = request.GET.copy()
    for param in ("after", "clear"):
        query.pop(param, None)
    return {
        "form": form,
        "filters": filters,
        "filters_active": filters != selectors.KeyFilters(),
        "keys": rows,
        "next_cursor": next_cursor,
        "query": query.urlencode(),
        "sync": stream_status(organisation, STREAM),
        "manage": can(request, Perm.MANAGE_KEYS),
        "workspaces": workspace_choices(organisation),
        "creators": selectors.creator_choices(organisation),
        "people": people_labels(organisation),
        "rotating": selectors.rotating_hashes(organisation),
    }


@org_view(Perm.VIEW_KEYS)
@require_GET
def key_list(request: HttpRequest) -> HttpResponse:
    context = _list_context(request)
    return render_page(request, "keys/list.html", context, partial="results", more="rows")


# --- create, detail ---------------------------------------------------------------------------


@org_view(Perm.MANAGE_KEYS)
@never_cache
@require_http_methods(["GET", "POST"])
@sensitive_variables("secret", "context")
def key_create(request: HttpRequest) -> HttpResponse:
    form = forms.KeyCreateForm(
        request.POST or None, workspaces=workspace_choices(request.organisation)
    )
    if request.method == "POST" and form.is_valid():
        try:
            key, secret = key_services.key_create(Actor.from_request(request), **form.cleaned_data)
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            context = {"key": key, "secret": secret, "title": "Key created"}
            return render_page(request, "keys/reveal.html", context, partial="reveal")
    return render_form(request, "keys/create.html", {"form": form}, partial="form")


def _edit_form(request: HttpRequest, key: Key, data=None) -> forms.KeyEditForm:
    return forms.KeyEditForm(
        data,
        workspaces=workspace_choices(request.organisation),
        initial={
            "limit": key.limit,
            "limit_reset": key.limit_reset,
            "include_byok_in_limit": key.include_byok_in_limit,
            "workspace_id": key.workspace_id,
        },
    )


@org_view(Perm.REQUEST_KEYS)
@require_GET
def key_detail(request: HttpRequest, key_hash: str) -> HttpResponse:
    key = key_for(request, key_hash)
    series = selectors.key_usage_series(request.organisation, key.hash)
    peak = max((s.usage_daily for s in series), default=0) or 1
    context = {
        "key": key,
        "series": [(s, round(100 * s.usage_daily / peak)) for s in series],
        "history": audit_for_target(request.organisation, "api_key", key.hash)[:50],
        "rotations": selectors.key_rotations(request.organisation, key.hash),
        "creator": people_labels(request.organisation).get(key.creator_label, key.creator_label),
        "edit_form": _edit_form(request, key) if can(request, Perm.MANAGE_KEYS) else None,
    }
    return render_page(request, "keys/detail.html", context, partial="detail")


# --- edits ------------------------------------------------------------------------------------


def _row(request: HttpRequest, key: Key, message: str) -> HttpResponse:
    return saved(
        request,
        back=reverse("keys:detail", args=[key.hash]),
        part="keys/list.html#row",
        context=lambda: {
            "key": key,
            "manage": True,
            "people": people_labels(request.organisation),
        },
        message=message,
    )


@org_view(Perm.MANAGE_KEYS)
@require_POST
def key_toggle(request: HttpRequest, key_hash: str) -> HttpResponse:
    key = key_for(request, key_hash)
    disabled = request.POST.get("disabled") == "true"
    try:
        key = key_services.key_set_disabled(Actor.from_request(request), key, disabled)
    except ConsoleError as exc:
        return refuse(request, exc, back=reverse("keys:list"))
    return _row(request, key, f"{key.name} {'disabled' if disabled else 'enabled'}.")


@org_view(Perm.REQUEST_KEYS)
@require_POST
def key_disable_own(request: HttpRequest, key_hash: str) -> HttpResponse:
    key = get_for_org(request, Key, hash=key_hash, owner=request.user)
    try:
        key = key_services.key_set_disabled(Actor.from_request(request), key, True)
    except ConsoleError as exc:
        return refuse(request, exc, back=reverse("keys:mine"))
    return saved(
        request,
        back=reverse("keys:mine"),
        part="keys/mine.html#own_row",
        context=lambda: {"key": key},
        message=f"{key.name} disabled.",
    )


@org_view(Perm.MANAGE_KEYS)
@require_http_methods(["GET", "POST"])
def key_rename(request: HttpRequest, key_hash: str) -> HttpResponse:
    key = key_for(request, key_hash)
    form = forms.RenameForm(request.POST or None, initial={"name": key.name})
    if request.method == "POST" and form.is_valid():
        try:
            key = key_services.key_rename(
                Actor.from_request(request), key, form.cleaned_data["name"]
            )
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            return _row(request, key, "Renamed.")
    return render_form(request, "keys/rename.html", {"key": key, "form": form}, partial="rename")


@org_view(Perm.MANAGE_KEYS)
@require_POST
def key_edit(request: HttpRequest, key_hash: str) -> HttpResponse:
    """The key page's settings panel: limit, reset, BYOK in the limit, workspace."""
    key = key_for(request, key_hash)
    form = _edit_form(request, key, request.POST)
    if form.is_valid():
        try:
            key = key_services.key_settings_update(
                Actor.from_request(request), key, **form.changes(key)
            )
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            return saved(
                request,
                back=reverse("keys:detail", args=[key.hash]),
                part="keys/detail.html#settings",
                context=lambda: {"key": key, "edit_form": _edit_form(request, key), "saved": True},
                message="Saved.",
            )
    context = {"key": key, "edit_form": form}
    return render_page(request, "keys/detail.html", context, partial="settings", status=422)


@org_view(Perm.MANAGE_KEYS)
@require_http_methods(["GET", "POST"])
def key_delete(request: HttpRequest, key_hash: str) -> HttpResponse:
    key = key_for(request, key_hash)
    form = forms.DeleteForm(request.POST or None, key_name=key.name)
    if request.method == "POST" and form.is_valid():
        try:
            key_services.key_delete(Actor.from_request(request), key)
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            return _deleted(request, key)
    return render_form(request, "keys/delete.html", {"key": key, "form": form}, partial="modal")


def _deleted(request: HttpRequest, key: Key) -> HttpResponse:
    message = f"{key.name} deleted."
    on_its_page = reverse("keys:detail", args=[key.hash]) in (
        (request.htmx.current_url or "") if request.htmx else ""
    )
    if not request.htmx or on_its_page:
        # Nothing left to show on the key's own page: the list, with the message there.
        return finish(request, reverse("keys:list"), message)
    # The list: the dialog closes (empty #modal) and the row leaves the table.
    return toast(render(request, "keys/delete.html#deleted", {"key": key}), message)


# --- rotation ---------------------------------------------------------------------------------


@org_view(Perm.MANAGE_KEYS)
@never_cache
@require_http_methods(["GET", "POST"])
@sensitive_variables("secret", "context")
def key_rotate(request: HttpRequest, key_hash: str) -> HttpResponse:
    key = key_for(request, key_hash)
    form = forms.RotateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        was_disabled = key.disabled
        try:
            rotation, successor, secret = rotation_services.key_rotate(
                Actor.from_request(request),
                key,
                transition=timedelta(hours=data["transition_hours"]),
                then=data["then"],
                expires_at=data["expires_at"],
            )
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            context = {
                "key": successor,
                "secret": secret,
                "rotation": rotation,
                "old_disabled": was_disabled,
                "title": "Key rotated",
            }
            return render_page(request, "keys/reveal.html", context, partial="reveal")
    return render_form(request, "keys/rotate.html", {"key": key, "form": form}, partial="form")


@org_view(Perm.MANAGE_KEYS)
@require_POST
def rotation_cancel(request: HttpRequest, rotation_id: int) -> HttpResponse:
    rotation = get_for_org(request, KeyRotation, pk=rotation_id)
    back = reverse("keys:detail", args=[rotation.old_key_hash])
    try:
        rotation_services.rotation_cancel(Actor.from_request(request), rotation)
    except ConsoleError as exc:
        return refuse(request, exc, back=back)
    message = "Rotation cancelled: the old key stays as it is."
    return saved(
        request,
        back=back,
        part="keys/detail.html#rotation",
        context=lambda: {"rotation": rotation},
        message=message,
    )


# --- hygiene ----------------------------------------------------------------------------------


@org_view(Perm.VIEW_KEYS)
@require_GET
def hygiene(request: HttpRequest) -> HttpResponse:
    check = request.GET.get("check", "no_limit")
    if check not in selectors.HYGIENE_CHECKS:
        check = "no_limit"
    context = {
        "check": check,
        "checks": selectors.HYGIENE_CHECKS,
        "counts": selectors.hygiene_counts(request.organisation),
        "keys": selectors.hygiene_keys(request.organisation, check),
        "actions": key_services.BULK_ACTIONS,
    }
    return render_page(request, "keys/hygiene.html", context, partial="results")


def _bulk_page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    name = "keys/hygiene.html#bulk" if request.htmx else "keys/bulk_page.html"
    return render(request, name, context, status=status)


@org_view(Perm.MANAGE_KEYS)
@require_POST
def hygiene_bulk(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.getlist("hashes")
    keys = list(Key.objects.filter(organisation=request.organisation, hash__in=wanted))
    form = forms.BulkForm(request.POST, hashes=[k.hash for k in keys])
    if not form.is_valid():
        return _bulk_page(request, {"form": form}, 422)
    data = form.cleaned_data
    options = {"limit": data["limit"], "limit_reset": data["limit_reset"]}
    if request.POST.get("confirm") != "yes":
        changes = key_services.bulk_preview(keys, data["action"], **options)
        return _bulk_page(request, {"form": form, "changes": changes})
    result = key_services.keys_bulk_apply(
        Actor.from_request(request), keys, data["action"], **options
    )
    response = _bulk_page(request, {"form": form, "result": result})
    level = "error" if result.failed else "success"
    return toast(response, f"{len(result.done)} done, {len(result.failed)} failed.", level)

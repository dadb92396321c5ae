"""Admin and finance pages for keys: list, sync, create, detail, inline edits, rotation, hygiene."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from apps.accounts.access import get_for_org, org_view
from apps.accounts.roles import Perm
from apps.audit.context import Actor
from apps.audit.selectors import audit_for_target
from apps.core.htmx import toast
from apps.gateway.errors import UpstreamError
from apps.keys import forms, selectors
from apps.keys.models import Key, KeyRotation
from apps.keys.services import keys as key_services
from apps.keys.services import rotation as rotation_services
from apps.keys.services import sync as sync_services
from apps.keys.services.errors import KeyError_
from apps.keys.views.common import can, form_fail, key_for, page, workspaces_for

# --- list, sync -----------------------------------------------------------------------------


def _list_context(request: HttpRequest) -> dict:
    form = forms.KeyFilterForm(request.GET or None)
    filters = form.filters()
    rows, next_cursor = selectors.keys_page(
        request.organisation, filters, after=request.GET.get("after", "")
    )
    query = request.GET.copy()
    query.pop("after", None)
    return {
        "form": form,
        "filters": filters,
        "keys": rows,
        "next_cursor": next_cursor,
        "query": query.urlencode(),
        "run": selectors.sync_latest(request.organisation),
        "manage": can(request, Perm.MANAGE_KEYS),
        "sorts": selectors.SORTS,
        "states": selectors.STATES,
    }


@org_view(Perm.VIEW_KEYS)
@require_GET
def key_list(request: HttpRequest) -> HttpResponse:
    context = _list_context(request)
    if request.htmx and request.GET.get("after"):
        return render(request, "keys/list.html#rows", context)
    return page(request, "keys/list.html", "results", context)


@org_view(Perm.VIEW_KEYS)
@require_GET
def sync_status(request: HttpRequest) -> HttpResponse:
    run = selectors.sync_latest(request.organisation)
    return render(request, "keys/list.html#sync", {"run": run})


@org_view(Perm.VIEW_KEYS)
@require_POST
def sync_now(request: HttpRequest) -> HttpResponse:
    run = sync_services.keys_sync(request.organisation)
    if not request.htmx:
        return redirect("keys:list")
    response = render(
        request, "keys/list.html#sync", {"run": run or selectors.sync_latest(request.organisation)}
    )
    if run is None:
        return toast(response, "A sync is already running.", "error")
    if run.status != run.Status.OK:
        return toast(response, f"Sync failed: {run.message}", "error")
    # The results table listens for this and reloads itself.
    trigger_client_event(response, "keys-synced", {})
    return toast(response, run.message)


# --- create, detail, inline edits -------------------------------------------------------------


@org_view(Perm.MANAGE_KEYS)
@never_cache
@require_http_methods(["GET", "POST"])
def key_create(request: HttpRequest) -> HttpResponse:
    form = forms.KeyCreateForm(request.POST or None, workspaces=workspaces_for(request))
    if request.method == "POST" and form.is_valid():
        try:
            key, secret = key_services.key_create(Actor.from_request(request), **form.cleaned_data)
        except (KeyError_, UpstreamError) as exc:
            form_fail(form, exc)
        else:
            context = {"key": key, "secret": secret, "title": "Key created"}
            return page(request, "keys/reveal.html", "reveal", context)
    status = 422 if form.errors else 200
    return page(request, "keys/create.html", "form", {"form": form}, status)


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
    }
    return page(request, "keys/detail.html", "detail", context)


def _row(request: HttpRequest, key: Key, message: str) -> HttpResponse:
    if not request.htmx:
        return redirect("keys:detail", key.hash)
    context = {"key": key, "manage": True}
    return toast(render(request, "keys/list.html#row", context), message)


@org_view(Perm.MANAGE_KEYS)
@require_POST
def key_toggle(request: HttpRequest, key_hash: str) -> HttpResponse:
    key = key_for(request, key_hash)
    disabled = request.POST.get("disabled") == "true"
    try:
        key = key_services.key_set_disabled(Actor.from_request(request), key, disabled)
    except UpstreamError as exc:
        return toast(HttpResponse(status=502), exc.user_message, "error")
    return _row(request, key, f"{key.name} {'disabled' if disabled else 'enabled'}.")


@org_view(Perm.REQUEST_KEYS)
@require_POST
def key_disable_own(request: HttpRequest, key_hash: str) -> HttpResponse:
    key = get_for_org(request, Key, hash=key_hash, owner=request.user)
    try:
        key = key_services.key_set_disabled(Actor.from_request(request), key, True)
    except UpstreamError as exc:
        return toast(HttpResponse(status=502), exc.user_message, "error")
    if not request.htmx:
        return redirect("keys:mine")
    return toast(render(request, "keys/mine.html#own_row", {"key": key}), f"{key.name} disabled.")


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
        except (KeyError_, UpstreamError) as exc:
            form_fail(form, exc)
        else:
            return _row(request, key, "Renamed.")
    status = 422 if form.errors else 200
    return page(request, "keys/rename.html", "rename", {"key": key, "form": form}, status)


@org_view(Perm.MANAGE_KEYS)
@require_http_methods(["GET", "POST"])
def key_delete(request: HttpRequest, key_hash: str) -> HttpResponse:
    key = key_for(request, key_hash)
    form = forms.DeleteForm(request.POST or None, key_name=key.name)
    if request.method == "POST" and form.is_valid():
        try:
            key_services.key_delete(Actor.from_request(request), key)
        except UpstreamError as exc:
            form.add_error(None, exc.user_message)
        else:
            return _deleted(request, key)
    status = 422 if form.errors else 200
    return page(request, "keys/delete.html", "modal", {"key": key, "form": form}, status)


def _deleted(request: HttpRequest, key: Key) -> HttpResponse:
    if not request.htmx:
        return redirect("keys:list")
    if reverse("keys:detail", args=[key.hash]) in (request.htmx.current_url or ""):
        # Nothing left to show on the key's own page: go to the list.
        response = HttpResponseClientRedirect(reverse("keys:list"))
    else:  # the list: close the modal and drop the row
        response = render(request, "keys/delete.html#deleted", {"key": key})
    return toast(response, f"{key.name} deleted.")


# --- rotation ---------------------------------------------------------------------------------


@org_view(Perm.MANAGE_KEYS)
@never_cache
@require_http_methods(["GET", "POST"])
def key_rotate(request: HttpRequest, key_hash: str) -> HttpResponse:
    key = key_for(request, key_hash)
    form = forms.RotateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rotation, successor, secret = rotation_services.key_rotate(
                Actor.from_request(request),
                key,
                transition=timedelta(hours=data["transition_hours"]),
                then=data["then"],
                expires_at=data["expires_at"],
            )
        except (KeyError_, UpstreamError) as exc:
            form_fail(form, exc)
        else:
            context = {
                "key": successor,
                "secret": secret,
                "rotation": rotation,
                "title": "Key rotated",
            }
            return page(request, "keys/reveal.html", "reveal", context)
    status = 422 if form.errors else 200
    return page(request, "keys/rotate.html", "form", {"key": key, "form": form}, status)


@org_view(Perm.MANAGE_KEYS)
@require_POST
def rotation_cancel(request: HttpRequest, rotation_id: int) -> HttpResponse:
    rotation = get_for_org(request, KeyRotation, pk=rotation_id)
    try:
        rotation_services.rotation_cancel(Actor.from_request(request), rotation)
    except KeyError_ as exc:
        return toast(HttpResponse(status=409), exc.message, "error")
    if not request.htmx:
        return redirect("keys:detail", rotation.old_key_hash)
    response = render(request, "keys/detail.html#rotation", {"rotation": rotation})
    return toast(response, "Rotation cancelled: the old key stays as it is.")


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
    return page(request, "keys/hygiene.html", "results", context)


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

"""Key requests: the approvers' queue and members' self-service."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.access import get_for_org, org_view
from apps.accounts.roles import Perm
from apps.audit.context import Actor
from apps.core.errors import ConsoleError
from apps.core.kit import can, finish, form_fail, render_form, render_page, toast, with_oob
from apps.keys import forms, selectors
from apps.keys.models import Key, KeyRequest
from apps.keys.services import requests as request_services
from apps.keys.views.common import badge_oob
from apps.workspaces.selectors import workspace_choices, workspace_names

# --- requests (admin side) --------------------------------------------------------------------


@org_view(Perm.APPROVE_KEY_REQUESTS)
@require_GET
def request_queue(request: HttpRequest) -> HttpResponse:
    context = {
        "pending": list(selectors.requests_pending(request.organisation)),
        "recent": selectors.requests_recent(request.organisation),
    }
    return render_page(request, "keys/requests.html", context, partial="queue")


def _decision_page(request, key_request, approve_form, reject_form, status=200):
    context = {
        "req": key_request,
        "approve_form": approve_form,
        "reject_form": reject_form,
        "workspace_name": workspace_names(request.organisation).get(
            key_request.workspace_id, key_request.workspace_name
        ),
    }
    return render_page(
        request, "keys/request_detail.html", context, partial="decision", status=status
    )


@org_view(Perm.APPROVE_KEY_REQUESTS)
@require_GET
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    key_request = get_for_org(
        request, KeyRequest.objects.select_related("requester"), pk=request_id
    )
    approve_form = forms.ApproveForm(
        initial={
            "name": key_request.name,
            "limit": f"{key_request.limit:.2f}" if key_request.limit is not None else None,
            "limit_reset": key_request.limit_reset,
            "expires_at": key_request.expires_at.strftime("%Y-%m-%dT%H:%M:%S")
            if key_request.expires_at
            else "",
        }
    )
    return _decision_page(request, key_request, approve_form, forms.RejectForm())


def _decided(request: HttpRequest, key_request: KeyRequest, message: str) -> HttpResponse:
    if not request.htmx:
        return finish(request, reverse("keys:requests"), message)
    response = render(request, "keys/request_detail.html#decision", {"req": key_request})
    return toast(with_oob(response, badge_oob(request)), message)


@org_view(Perm.APPROVE_KEY_REQUESTS)
@require_POST
def request_approve(request: HttpRequest, request_id: int) -> HttpResponse:
    key_request = get_for_org(
        request, KeyRequest.objects.select_related("requester"), pk=request_id
    )
    form = forms.ApproveForm(request.POST)
    if form.is_valid():
        try:
            key_request = request_services.key_request_approve(
                Actor.from_request(request), key_request, **form.overrides()
            )
        except ConsoleError as exc:
            form_fail(form, exc)
            key_request.refresh_from_db()
        else:
            return _decided(request, key_request, f"Approved: {key_request.name}.")
    return _decision_page(request, key_request, form, forms.RejectForm(), 422)


@org_view(Perm.APPROVE_KEY_REQUESTS)
@require_POST
def request_reject(request: HttpRequest, request_id: int) -> HttpResponse:
    key_request = get_for_org(
        request, KeyRequest.objects.select_related("requester"), pk=request_id
    )
    form = forms.RejectForm(request.POST)
    if form.is_valid():
        try:
            key_request = request_services.key_request_reject(
                Actor.from_request(request), key_request, reason=form.cleaned_data["reason"]
            )
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            return _decided(request, key_request, f"Rejected: {key_request.name}.")
    return _decision_page(request, key_request, forms.ApproveForm(), form, 422)


@org_view(Perm.MANAGE_KEYS)
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    current = request_services.policy_for(request.organisation)
    form = forms.PolicyForm(
        request.POST or None, initial={"auto_approve_limit": current.auto_approve_limit}
    )
    if request.method == "POST" and form.is_valid():
        request_services.policy_update(Actor.from_request(request), **form.cleaned_data)
        if not request.htmx:
            return finish(request, reverse("keys:requests"), "Key request settings saved.")
        return toast(render(request, "keys/policy.html#form", {"form": form}), "Saved.")
    return render_form(request, "keys/policy.html", {"form": form}, partial="form")


# --- member self-service ----------------------------------------------------------------------


@org_view(Perm.REQUEST_KEYS)
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    context = {
        "own_keys": list(
            Key.objects.filter(organisation=request.organisation, owner=request.user).order_by(
                "name", "id"
            )
        ),
        "requests": selectors.requests_of(request.organisation, request.user),
    }
    return render_page(request, "keys/mine.html", context, partial="mine")


@org_view(Perm.REQUEST_KEYS)
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    workspaces = workspace_choices(request.organisation)
    form = forms.KeyRequestForm(request.POST or None, workspaces=workspaces)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            key_request = request_services.key_request_create(
                Actor.from_request(request),
                workspace_name=form.workspace_names.get(data["workspace_id"], ""),
                **data,
            )
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            message = (
                "Approved automatically: reveal your key below."
                if key_request.status == KeyRequest.Status.APPROVED
                else "Request sent. You will be told when it is decided."
            )
            return finish(request, reverse("keys:mine"), message)
    return render_form(request, "keys/request_form.html", {"form": form}, partial="form")


@org_view(Perm.REQUEST_KEYS)
@require_http_methods(["GET", "POST"])
def request_increase(request: HttpRequest, key_hash: str) -> HttpResponse:
    key = get_for_org(request, Key, hash=key_hash, owner=request.user)
    form = forms.LimitIncreaseForm(
        request.POST or None,
        initial={
            "limit": f"{key.limit:.2f}" if key.limit is not None else None,
            "limit_reset": key.limit_reset,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            request_services.key_request_create(
                Actor.from_request(request), name=key.name, key=key, **form.cleaned_data
            )
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            return finish(request, reverse("keys:mine"), "Request sent for a higher limit.")
    return render_form(request, "keys/increase.html", {"form": form, "key": key}, partial="form")


def _reveal_template(request: HttpRequest) -> str:
    return "keys/mine.html#reveal" if request.htmx else "keys/revealed.html"


@org_view(Perm.REQUEST_KEYS)
@never_cache
@require_POST
@sensitive_variables("secret", "context")
def request_reveal(request: HttpRequest, request_id: int) -> HttpResponse:
    key_request = get_for_org(request, KeyRequest, pk=request_id, requester=request.user)
    try:
        secret = request_services.key_request_reveal(Actor.from_request(request), key_request)
    except ConsoleError as exc:
        context = {"req": key_request, "refused": exc.user_message}
        return render(request, _reveal_template(request), context, status=410)
    key = Key.objects.filter(organisation=request.organisation, hash=key_request.key_hash).first()
    context = {"req": key_request, "secret": secret, "key": key}
    response = render(request, _reveal_template(request), context)
    return with_oob(response, badge_oob(request)) if request.htmx else response


@org_view(Perm.REQUEST_KEYS)
@require_GET
def badge(request: HttpRequest) -> HttpResponse:
    count = selectors.badge_count(
        request.organisation, request.user, approver=can(request, Perm.APPROVE_KEY_REQUESTS)
    )
    return render(request, "keys/badge.html", {"count": count})

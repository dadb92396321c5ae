"""Key requests: the approvers' queue and members' self-service."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from apps.accounts.access import get_for_org, org_view
from apps.accounts.roles import Perm
from apps.audit.context import Actor
from apps.core.htmx import toast
from apps.gateway.errors import UpstreamError
from apps.keys import forms, selectors
from apps.keys.models import Key, KeyRequest
from apps.keys.services import requests as request_services
from apps.keys.services.errors import KeyError_
from apps.keys.views.common import badge_oob, can, form_fail, page, workspaces_for

# --- requests (admin side) --------------------------------------------------------------------


@org_view(Perm.APPROVE_KEY_REQUESTS)
@require_GET
def request_queue(request: HttpRequest) -> HttpResponse:
    context = {
        "pending": list(selectors.requests_pending(request.organisation)),
        "recent": selectors.requests_recent(request.organisation),
    }
    return page(request, "keys/requests.html", "queue", context)


def _decision_page(request, key_request, approve_form, reject_form, status=200):
    context = {"req": key_request, "approve_form": approve_form, "reject_form": reject_form}
    return page(request, "keys/request_detail.html", "decision", context, status)


@org_view(Perm.APPROVE_KEY_REQUESTS)
@require_GET
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    key_request = get_for_org(
        request, KeyRequest.objects.select_related("requester"), pk=request_id
    )
    approve_form = forms.ApproveForm(
        initial={
            "name": key_request.name,
            "limit": key_request.limit,
            "limit_reset": key_request.limit_reset,
            "expires_at": key_request.expires_at.strftime("%Y-%m-%dT%H:%M:%S")
            if key_request.expires_at
            else "",
        }
    )
    return _decision_page(request, key_request, approve_form, forms.RejectForm())


def _decided(request: HttpRequest, key_request: KeyRequest, message: str) -> HttpResponse:
    if not request.htmx:
        return redirect("keys:requests")
    response = render(request, "keys/request_detail.html#decision", {"req": key_request})
    response.content += badge_oob(request).encode()
    return toast(response, message)


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
        except (KeyError_, UpstreamError) as exc:
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
        except KeyError_ as exc:
            form.add_error(None, exc.message)
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
            return redirect("keys:requests")
        return toast(page(request, "keys/policy.html", "form", {"form": form}), "Saved.")
    status = 422 if form.errors else 200
    return page(request, "keys/policy.html", "form", {"form": form}, status)


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
    return page(request, "keys/mine.html", "mine", context)


@org_view(Perm.REQUEST_KEYS)
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    workspaces = workspaces_for(request)
    form = forms.KeyRequestForm(request.POST or None, workspaces=workspaces)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            key_request = request_services.key_request_create(
                Actor.from_request(request),
                workspace_name=form.workspace_names.get(data["workspace_id"], ""),
                **data,
            )
        except (KeyError_, UpstreamError) as exc:
            form_fail(form, exc)
        else:
            message = (
                "Approved automatically: reveal your key below."
                if key_request.status == KeyRequest.Status.APPROVED
                else "Request sent. You will be told when it is decided."
            )
            if request.htmx:
                return toast(HttpResponseClientRedirect(reverse("keys:mine")), message)
            return redirect("keys:mine")
    status = 422 if form.errors else 200
    return page(request, "keys/request_form.html", "form", {"form": form}, status)


@org_view(Perm.REQUEST_KEYS)
@require_http_methods(["GET", "POST"])
def request_increase(request: HttpRequest, key_hash: str) -> HttpResponse:
    key = get_for_org(request, Key, hash=key_hash, owner=request.user)
    form = forms.LimitIncreaseForm(
        request.POST or None, initial={"limit": key.limit, "limit_reset": key.limit_reset}
    )
    if request.method == "POST" and form.is_valid():
        try:
            request_services.key_request_create(
                Actor.from_request(request), name=key.name, key=key, **form.cleaned_data
            )
        except (KeyError_, UpstreamError) as exc:
            form_fail(form, exc)
        else:
            if request.htmx:
                return HttpResponseClientRedirect(reverse("keys:mine"))
            return redirect("keys:mine")
    status = 422 if form.errors else 200
    return page(request, "keys/increase.html", "form", {"form": form, "key": key}, status)


def _reveal_template(request: HttpRequest) -> str:
    return "keys/mine.html#reveal" if request.htmx else "keys/revealed.html"


@org_view(Perm.REQUEST_KEYS)
@never_cache
@require_POST
def request_reveal(request: HttpRequest, request_id: int) -> HttpResponse:
    key_request = get_for_org(request, KeyRequest, pk=request_id, requester=request.user)
    try:
        secret = request_services.key_request_reveal(Actor.from_request(request), key_request)
    except KeyError_ as exc:
        context = {"req": key_request, "refused": exc.message}
        return render(request, _reveal_template(request), context, status=410)
    key = Key.objects.filter(organisation=request.organisation, hash=key_request.key_hash).first()
    context = {"req": key_request, "secret": secret, "key": key}
    response = render(request, _reveal_template(request), context)
    if request.htmx:
        response.content += badge_oob(request).encode()
    return response


@org_view(Perm.REQUEST_KEYS)
@require_GET
def badge(request: HttpRequest) -> HttpResponse:
    count = selectors.badge_count(
        request.organisation, request.user, approver=can(request, Perm.APPROVE_KEY_REQUESTS)
    )
    return render(request, "keys/badge.html", {"count": count})

"""Helpers shared by the keys views."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.shortcuts import render

from apps.accounts.access import get_for_org
from apps.accounts.roles import Perm, role_allows
from apps.gateway.account import workspaces_list
from apps.gateway.errors import UpstreamError
from apps.keys import selectors
from apps.keys.models import Key
from apps.keys.services.errors import KeyError_


def can(request: HttpRequest, perm: Perm) -> bool:
    return role_allows(request.membership.role, perm)


def page(request, template: str, partial: str, context: dict, status: int = 200):
    """The full page, or just ``partial`` for an HTMX request."""
    name = f"{template}#{partial}" if request.htmx else template
    return render(request, name, context, status=status)


def workspaces_for(request: HttpRequest) -> list[dict]:
    run = selectors.sync_latest(request.organisation)
    if run and run.facets.get("workspaces"):
        return run.facets["workspaces"]
    try:
        return [{"id": str(w.id), "name": w.name} for w in workspaces_list(request.organisation)]
    except UpstreamError:
        return []


def key_for(request: HttpRequest, key_hash: str) -> Key:
    """A key of this organisation; members only ever see their own (others: 404)."""
    key = get_for_org(request, Key, hash=key_hash)
    if not can(request, Perm.VIEW_KEYS) and key.owner_id != request.user.pk:
        raise Http404("No such key.")
    return key


def form_fail(form, exc: Exception) -> None:
    """Put a service failure on the form: on its field when it has one, else at the top."""
    if isinstance(exc, KeyError_):
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    elif isinstance(exc, UpstreamError):
        form.add_error(None, exc.user_message)
    else:  # pragma: no cover - services raise only the two above
        raise exc


def badge_oob(request: HttpRequest) -> str:
    count = selectors.badge_count(
        request.organisation, request.user, approver=can(request, Perm.APPROVE_KEY_REQUESTS)
    )
    return render(request, "keys/badge.html", {"count": count, "oob": True}).content.decode()

"""Helpers shared by the keys views."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.template.loader import render_to_string

from apps.accounts.access import get_for_org
from apps.accounts.roles import Perm
from apps.core.kit import can
from apps.keys import selectors
from apps.keys.models import Key


def key_for(request: HttpRequest, key_hash: str) -> Key:
    """A key of this organisation; members only ever see their own (others: 404)."""
    key = get_for_org(request, Key, hash=key_hash)
    if not can(request, Perm.VIEW_KEYS) and key.owner_id != request.user.pk:
        raise Http404("No such key.")
    return key


def badge_oob(request: HttpRequest) -> str:
    count = selectors.badge_count(
        request.organisation, request.user, approver=can(request, Perm.APPROVE_KEY_REQUESTS)
    )
    return render_to_string("keys/badge.html", {"count": count, "oob": True}, request)

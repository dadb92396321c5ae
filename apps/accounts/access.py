"""Access control: the one decorator every organisation view wears, and the lookup helper.

``org_view(Perm.X)`` requires a signed-in user with a membership in the current
organisation whose role allows ``X`` (403 otherwise). ``get_for_org`` fetches an
object only within the current organisation, so another organisation's id is a 404.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from django.contrib.auth.views import redirect_to_login
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from apps.accounts.roles import Perm, role_allows

M = TypeVar("M", bound=Model)


def org_view(perm: Perm) -> Callable:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.membership is None:
                return redirect("accounts:organisation_create")
            if not role_allows(request.membership.role, perm):
                return role_refused(request)
            return view(request, *args, **kwargs)

        wrapper.required_perm = perm
        return wrapper

    return decorator


def role_refused(request: HttpRequest) -> HttpResponse:
    """The 403 page for a role that lacks a permission.

    Answered rather than raised: a refusal is expected, not worth a traceback in the logs.
    """
    reason = f"Your role ({request.membership.get_role_display()}) cannot do this."
    return render(request, "403.html", {"reason": reason}, status=403)


def get_for_org(request: HttpRequest, queryset: QuerySet[M] | type[M], **lookup) -> M:
    """The object matching ``lookup`` in the current organisation, or 404."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    obj = qs.filter(organisation=request.organisation, **lookup).first()
    if obj is None:
        raise Http404("No such object in this organisation.")
    return obj

"""Access control: the one decorator every organisation view wears, and the lookup helper.

``org_view(Perm.X)`` requires a signed-in user with a membership in the current
organisation whose role allows ``X`` (403 otherwise), and, when the organisation requires
two-factor authentication, an authenticator app (else the person is sent to set one up). ``get_for_org`` fetches an
object only within the current organisation, so another organisation's id is a 404.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from apps.accounts.roles import Perm, role_allows
from apps.accounts.selectors import user_has_two_factor

M = TypeVar("M", bound=Model)


def org_view(perm: Perm) -> Callable:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.membership is None:
                return redirect("accounts:organisation_create")
            if two_factor_pending(request):
                return _two_factor_enrolment(request)
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


def two_factor_pending(request: HttpRequest) -> bool:
    """The current organisation requires two-factor and this person has not set it up."""
    if not hasattr(request, "_two_factor_pending"):
        organisation = getattr(request, "organisation", None)
        request._two_factor_pending = bool(
            organisation is not None
            and organisation.require_2fa
            and request.user.is_authenticated
            and not user_has_two_factor(request.user)
        )
    return request._two_factor_pending


def _two_factor_enrolment(request: HttpRequest) -> HttpResponse:
    messages.warning(
        request,
        f"{request.organisation.name} requires two-factor authentication. Set up an "
        "authenticator app to continue.",
    )
    url = reverse("mfa_activate_totp")
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def get_for_org(request: HttpRequest, queryset: QuerySet[M] | type[M], **lookup) -> M:
    """The object matching ``lookup`` in the current organisation, or 404."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    obj = qs.filter(organisation=request.organisation, **lookup).first()
    if obj is None:
        raise Http404("No such object in this organisation.")
    return obj

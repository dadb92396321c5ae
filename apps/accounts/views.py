from __future__ import annotations

from allauth.account.views import LoginView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from apps.accounts import services
from apps.accounts.access import get_for_org, org_view
from apps.accounts.forms import (
    ConnectForm,
    InvitationForm,
    OrganisationForm,
    RoleForm,
    SecurityForm,
    SignupForm,
)
from apps.accounts.middleware import SESSION_KEY
from apps.accounts.models import Invitation, Membership
from apps.accounts.roles import ROLES_GRANTABLE_BY, Perm, Role, roles_with
from apps.accounts.selectors import security_summary
from apps.audit.context import Actor
from apps.core.errors import ConsoleError
from apps.core.kit import finish, form_fail, refuse, render_form, render_page, saved, toast


class ConsoleLoginView(LoginView):
    """allauth's sign-in (password, then the two-factor step when the account has one)."""

    template_name = "accounts/login.html"

    def form_invalid(self, form) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 422  # the form again, with its errors, like every console form
        return response


login_view = ConsoleLoginView.as_view()


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = services.organisation_create(
            user=request.user, name=form.cleaned_data["name"]
        )
        request.session[SESSION_KEY] = organisation.pk
        messages.success(request, f"{organisation.name} created. Connect its management key next.")
        return redirect("accounts:connect")
    return render(request, "accounts/organisation_create.html", {"form": form})


@login_required
@require_POST
def organisation_switch(request: HttpRequest, organisation_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, user=request.user, organisation_id=organisation_id)
    request.session[SESSION_KEY] = membership.organisation_id
    if request.htmx:
        return HttpResponseClientRefresh()
    return redirect("dashboard:home")


@sensitive_post_parameters("api_key")
@org_view(Perm.MANAGE_CONNECTION)
@require_http_methods(["GET", "POST"])
def connect(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    form = ConnectForm(request.POST or None, initial={"base_url": organisation.base_url})
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_connect(
                actor=Actor.from_request(request),
                api_key=form.cleaned_data["api_key"],
                base_url=form.cleaned_data["base_url"],
            )
        except ConsoleError as exc:
            form.add_error(exc.field if exc.field in form.fields else "api_key", exc.user_message)
        else:
            return finish(
                request,
                reverse("dashboard:connection"),
                "Management key checked and saved. The console is connected.",
            )
    return render_form(
        request, "accounts/connect.html", {"form": form, "organisation": organisation}
    )


def _members_context(request: HttpRequest, form: InvitationForm | None = None) -> dict:
    grantable = services.grantable_roles(request.organisation, request.user)
    actor_role = request.membership.role
    return {
        "memberships": Membership.objects.filter(organisation=request.organisation)
        .select_related("user")
        .order_by("user__email"),
        "invitations": [
            i
            for i in Invitation.objects.filter(
                organisation=request.organisation, accepted_at__isnull=True, revoked_at__isnull=True
            )
            if i.is_usable
        ],
        "form": form or InvitationForm(roles=grantable),
        "role_choices": grantable,
        "changeable": ROLES_GRANTABLE_BY.get(actor_role, frozenset()),
    }


@org_view(Perm.MANAGE_MEMBERS)
@require_http_methods(["GET"])
def members(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/members.html", _members_context(request))


@org_view(Perm.MANAGE_MEMBERS)
@require_POST
def invitation_create(request: HttpRequest) -> HttpResponse:
    grantable = services.grantable_roles(request.organisation, request.user)
    form = InvitationForm(request.POST, roles=grantable)
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                actor=Actor.from_request(request),
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                accept_url_builder=lambda inv: request.build_absolute_uri(
                    reverse("accounts:invitation_accept", args=[inv.token])
                ),
            )
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            link = request.build_absolute_uri(
                reverse("accounts:invitation_accept", args=[invitation.token])
            )
            if not request.htmx:
                return finish(
                    request, reverse("accounts:members"), f"Invitation sent to {invitation.email}."
                )
            response = render(
                request,
                "accounts/members.html#invitation-created",
                {"invitation": invitation, "link": link},
            )
            return toast(response, f"Invitation sent to {invitation.email}.")
    context = _members_context(request, form)
    return render_page(request, "accounts/members.html", context, partial="invite-form", status=422)


@org_view(Perm.MANAGE_MEMBERS)
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_for_org(request, Invitation, pk=pk)
    services.invitation_revoke(actor=Actor.from_request(request), invitation=invitation)
    return finish(
        request, reverse("accounts:members"), f"Invitation for {invitation.email} revoked."
    )


@org_view(Perm.MANAGE_MEMBERS)
@require_POST
def membership_role(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_for_org(request, Membership.objects.select_related("user"), pk=pk)
    back = reverse("accounts:members")
    form = RoleForm(request.POST, instance=Membership(role=membership.role))
    if not form.is_valid():
        return refuse(request, ConsoleError("Choose one of the listed roles."), back=back)
    role = form.cleaned_data["role"]
    actor = Actor.from_request(request)
    if services.demotes_self(actor, membership, role) and request.POST.get("confirm") != "yes":
        context = {"membership": membership, "role": role, "role_label": Role(role).label}
        return render_page(request, "accounts/demote_confirm.html", context, partial="dialog")
    try:
        services.membership_set_role(actor=actor, membership=membership, role=role)
    except ConsoleError as exc:
        return refuse(request, exc, back=back)
    membership.refresh_from_db()
    still_manages = Membership.objects.filter(
        organisation=request.organisation,
        user=request.user,
        role__in=roles_with(Perm.MANAGE_MEMBERS),
    ).exists()
    message = f"{membership.user.email} is now {membership.get_role_display()}."
    return finish(request, back if still_manages else reverse("dashboard:home"), message)


@org_view(Perm.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def membership_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_for_org(request, Membership.objects.select_related("user"), pk=pk)
    back = reverse("accounts:members")
    if request.method == "GET":
        context = {"membership": membership}
        return render_page(request, "accounts/remove_confirm.html", context, partial="dialog")
    try:
        services.membership_remove(actor=Actor.from_request(request), membership=membership)
    except ConsoleError as exc:
        return refuse(request, exc, back=back)
    return finish(request, back, f"{membership.user.email} removed from the organisation.")


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.select_related("organisation"), token=token)
    context = {"invitation": invitation}
    if not invitation.is_usable:
        return render(request, "accounts/invitation_accept.html", context, status=410)
    signup = None
    if not request.user.is_authenticated:
        signup = SignupForm(request.POST or None, email=invitation.email)
    if request.method == "POST":
        if request.user.is_authenticated and request.user.email.lower() != invitation.email:
            messages.error(
                request,
                f"This invitation is for {invitation.email}; you are signed in as "
                f"{request.user.email}.",
            )
        elif signup is None or signup.is_valid():
            user = request.user if signup is None else signup.save()
            if signup is not None:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            try:
                membership = services.invitation_accept(
                    invitation=invitation, user=user, ip_address=request.META.get("REMOTE_ADDR")
                )
            except ConsoleError as exc:
                messages.error(request, exc.user_message)
                return render(request, "accounts/invitation_accept.html", context, status=410)
            request.session[SESSION_KEY] = membership.organisation_id
            messages.success(request, f"Welcome to {invitation.organisation.name}.")
            return redirect("dashboard:home")
    context["signup"] = signup
    return render(request, "accounts/invitation_accept.html", context)


@org_view(Perm.MANAGE_SECURITY)
@require_http_methods(["GET", "POST"])
def security(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    form = SecurityForm(
        request.POST or None,
        initial={
            "require_2fa": organisation.require_2fa,
            "sso_domains": organisation.sso_domains,
            "sso_default_role": organisation.sso_default_role,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_security_update(
                actor=Actor.from_request(request), **form.cleaned_data
            )
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            return saved(
                request,
                back=reverse("accounts:security"),
                part="accounts/security.html#security-form",
                context=lambda: {"form": form},
                message="Security settings saved.",
            )
    context = {
        "form": form,
        "summary": security_summary(organisation),
        "sso_configured": bool(settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"]),
    }
    return render_form(request, "accounts/security.html", context, partial="security-form")

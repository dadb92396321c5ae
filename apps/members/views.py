"""The person's profile: their upstream identity and "Connect with OpenRouter" (PKCE)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.access import get_for_org, org_view
from apps.accounts.models import Membership
from apps.accounts.roles import Perm
from apps.audit.context import Actor
from apps.core.errors import ConsoleError
from apps.core.kit import finish, render_form
from apps.members import selectors, services
from apps.members.forms import CodeIssueForm, ConnectForm
from apps.members.models import IssuedCode
from apps.workspaces.selectors import workspace_choices


def _session_key(request: HttpRequest) -> str:
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key


def _profile_context(request: HttpRequest, form: ConnectForm | None = None) -> dict:
    return {
        "identity": selectors.identity_of(request.organisation, request.user),
        "form": form or ConnectForm(initial={"purpose": "link"}),
        "codes": selectors.codes_waiting(request.organisation, request.user),
    }


def _profile_page(request: HttpRequest, form: ConnectForm | None = None) -> HttpResponse:
    response = render_form(
        request, "members/profile.html", _profile_context(request, form), partial="connect"
    )
    # The connect form's answer redirects to upstream's page; browsers hold that redirect to
    # the form's CSP form-action (django-csp reads this attribute).
    response._csp_update = {"form-action": [services.connect_page_origin(request.organisation)]}
    return response


@org_view(Perm.CONNECT_UPSTREAM)
@require_GET
def profile(request: HttpRequest) -> HttpResponse:
    return _profile_page(request)


@org_view(Perm.CONNECT_UPSTREAM)
@require_POST
def connect_start(request: HttpRequest) -> HttpResponse:
    form = ConnectForm(request.POST)
    if not form.is_valid():
        return _profile_page(request, form)
    url = services.connect_start(
        organisation=request.organisation,
        user=request.user,
        session_key=_session_key(request),
        callback_url=request.build_absolute_uri(reverse("members:connect_callback")),
        wants_key=form.cleaned_data["purpose"] == "key",
    )
    return redirect(url)  # upstream's page, off the console: a plain redirect


@org_view(Perm.CONNECT_UPSTREAM)
@require_GET
@never_cache
@sensitive_variables("connected", "context")
def connect_callback(request: HttpRequest) -> HttpResponse:
    try:
        connected = services.connect_finish(
            actor=Actor.from_request(request),
            organisation=request.organisation,
            session_key=_session_key(request),
            state=request.GET.get("state", ""),
            code=request.GET.get("code", ""),
        )
    except ConsoleError as exc:
        context = {"refused": exc.user_message}
        return render(request, "members/connected.html", context, status=exc.http_status)
    if connected.secret is None:
        return finish(
            request,
            reverse("members:profile"),
            f"Linked to OpenRouter user {connected.upstream_user_id}. The key OpenRouter made "
            "was revoked at once.",
        )
    context = {"connected": connected, "secret": connected.secret}
    return render(request, "members/connected.html", context)


@org_view(Perm.MANAGE_KEYS)
@require_http_methods(["GET", "POST"])
def code_issue(request: HttpRequest) -> HttpResponse:
    memberships = Membership.objects.filter(organisation=request.organisation).select_related(
        "user"
    )
    people = {m.user_id: m.user for m in memberships.order_by("user__email")}
    form = CodeIssueForm(
        request.POST or None,
        people=[(pk, user.email) for pk, user in people.items()],
        workspaces=workspace_choices(request.organisation),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        for_user = people[data.pop("for_user")]
        try:
            services.code_issue(
                actor=Actor.from_request(request),
                organisation=request.organisation,
                for_user=for_user,
                callback_url=request.build_absolute_uri(reverse("members:profile")),
                **data,
            )
        except ConsoleError as exc:
            form.add_error(None, exc.user_message)
        else:
            return finish(
                request,
                reverse("members:code_issue"),
                f"Code issued: {for_user.email} can claim the key on their profile for "
                "the next 10 minutes.",
            )
    return render_form(request, "members/code_issue.html", {"form": form}, partial="issue-form")


@org_view(Perm.CONNECT_UPSTREAM)
@require_POST
@never_cache
@sensitive_variables("secret", "context")
def code_claim(request: HttpRequest, code_id: int) -> HttpResponse:
    issued = get_for_org(request, IssuedCode, pk=code_id, for_user=request.user)
    try:
        secret = services.code_claim(actor=Actor.from_request(request), issued=issued)
    except ConsoleError as exc:
        context = {"refused": exc.user_message, "claim": True}
        return render(request, "members/connected.html", context, status=exc.http_status)
    context = {"secret": secret, "claimed": issued}
    return render(request, "members/connected.html", context)

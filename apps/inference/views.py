"""Inference keys: a person's console key and session key; the organisation's settings."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.access import get_for_org, org_view
from apps.accounts.roles import Perm
from apps.audit.context import Actor
from apps.core.errors import ConsoleError
from apps.core.kit import can, finish, form_fail, refuse, render_form, render_page
from apps.inference import forms, selectors, services
from apps.inference.models import ConsoleKey
from apps.workspaces.selectors import workspace_choices


def _mine_context(request: HttpRequest, session_form=None) -> dict:
    organisation = request.organisation
    console_key = selectors.console_key_of(organisation, request.user)
    return {
        "console_key": console_key,
        "usage": selectors.key_usage(organisation, console_key.key_hash) if console_key else None,
        "config": selectors.settings_of(organisation),
        "held": services.session_key_label(request.session, organisation),
        "session_form": session_form or forms.SessionKeyForm(),
    }


@org_view(Perm.USE_INFERENCE)
@never_cache
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    return render_page(request, "inference/mine.html", _mine_context(request), partial="keys")


@org_view(Perm.USE_INFERENCE)
@require_POST
def key_create(request: HttpRequest) -> HttpResponse:
    back = reverse("inference:mine")
    try:
        services.console_key_for(Actor.from_request(request), request.user)
    except ConsoleError as exc:
        return refuse(request, exc, back=back)
    return finish(request, back, "Your console key is ready. Its secret stays with the console.")


@org_view(Perm.USE_INFERENCE)
@require_POST
def key_rotate(request: HttpRequest, key_id: int) -> HttpResponse:
    console_key = get_for_org(request, ConsoleKey, pk=key_id, active=True)
    manage = can(request, Perm.MANAGE_INFERENCE)
    if console_key.user_id != request.user.pk and not manage:
        raise Http404("No such key.")
    back = reverse(
        "inference:settings" if manage and request.POST.get("from") else "inference:mine"
    )
    try:
        services.console_key_rotate(Actor.from_request(request), console_key)
    except ConsoleError as exc:
        return refuse(request, exc, back=back)
    return finish(request, back, f"“{console_key.name}” was rotated; the old key is deleted.")


@org_view(Perm.USE_INFERENCE)
@never_cache
@require_POST
def session_set(request: HttpRequest) -> HttpResponse:
    form = forms.SessionKeyForm(request.POST)
    if form.is_valid():
        try:
            services.session_key_set(
                request.session,
                Actor.from_request(request),
                form.cleaned_data["secret"],
                own_keys_only=not can(request, Perm.VIEW_KEYS),
            )
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            return finish(request, reverse("inference:mine"), "That key is used for this session.")
    context = {**_mine_context(request, session_form=form), "form": form}
    return render_form(request, "inference/mine.html", context, partial="session")


@org_view(Perm.USE_INFERENCE)
@require_POST
def session_clear(request: HttpRequest) -> HttpResponse:
    services.session_key_clear(request.session)
    return finish(request, reverse("inference:mine"), "The session key is forgotten.")


@org_view(Perm.MANAGE_INFERENCE)
@never_cache
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    config = selectors.settings_of(organisation)
    form = forms.InferenceSettingsForm(
        request.POST or None,
        workspaces=workspace_choices(organisation),
        initial={"daily_limit": config.daily_limit, "workspace_id": config.workspace_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.inference_settings_update(Actor.from_request(request), **form.cleaned_data)
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            return finish(request, reverse("inference:settings"), "Inference settings saved.")
    context = {
        "form": form,
        "config": config,
        "keys": selectors.console_keys(organisation),
        "has_callback_secret": bool(config.callback_secret),
    }
    return render_form(request, "inference/settings.html", context, partial="form")

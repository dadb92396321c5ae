"""OpenRouter's ``/auth`` page: the person says who they are, approves, and the browser goes back
to ``callback_url`` with ``?code=`` (bound to the PKCE challenge, exchanged at ``/auth/keys``)."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from apps.sandbox.models import AuthCode, Member, Workspace
from apps.sandbox.views.auth_keys import CODE_TTL, METHODS, SANDBOX_APP_ID

ALLOWED_CALLBACKS = ("https://", "http://localhost", "http://127.0.0.1")


def _params(data) -> tuple[dict, str | None]:
    """The request's PKCE parameters and the reason they are refused (``None`` if fine)."""
    params = {
        "callback_url": (data.get("callback_url") or "").strip(),
        "code_challenge": (data.get("code_challenge") or "").strip(),
        "code_challenge_method": (data.get("code_challenge_method") or "").strip(),
    }
    callback = params["callback_url"]
    if not callback:
        return params, "callback_url is required."
    if not callback.startswith(ALLOWED_CALLBACKS) or not urlsplit(callback).netloc:
        return params, "callback_url must be https (or http on localhost)."
    method = params["code_challenge_method"]
    if method and method not in METHODS:
        return params, "code_challenge_method must be S256 or plain."
    if method and not params["code_challenge"]:
        return params, "code_challenge_method needs a code_challenge."
    return params, None


def _with_code(callback: str, code: str) -> str:
    parts = urlsplit(callback)
    query = f"{parts.query}&" if parts.query else ""
    return urlunsplit(parts._replace(query=query + urlencode({"code": code})))


def _people():
    return Member.objects.select_related("account").order_by("account__name", "email")


@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    params, problem = _params(source)
    context = {"params": params, "problem": problem, "people": _people(), "host": ""}
    if params["callback_url"] and not problem:
        context["host"] = urlsplit(params["callback_url"]).netloc
    if problem:
        return render(request, "sandbox/auth.html", context, status=400)
    if request.method == "GET":
        return render(request, "sandbox/auth.html", context)
    member = _people().filter(pk=request.POST.get("member") or 0).first()
    if member is None:
        context["member_error"] = "Choose who you are."
        return render(request, "sandbox/auth.html", context, status=422)
    challenge = params["code_challenge"] or None
    code = AuthCode.objects.create(
        code=secrets.token_urlsafe(24),
        account=member.account,
        workspace=Workspace.objects.filter(account=member.account, is_default=True).first()
        or Workspace.objects.filter(account=member.account).first(),
        user_id=member.user_id,
        app_id=SANDBOX_APP_ID,
        callback_url=params["callback_url"],
        code_challenge=challenge,
        code_challenge_method=(params["code_challenge_method"] or "plain") if challenge else None,
        expires_at=timezone.now() + CODE_TTL,
    )
    return HttpResponseRedirect(_with_code(params["callback_url"], code.code))

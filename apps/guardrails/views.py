"""Guardrails: the list, every assignment, a guardrail's page (settings, the keys and members
holding it), create, delete, and keys or members assigned and unassigned in bulk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.access import get_for_org, org_view
from apps.accounts.roles import Perm
from apps.audit.context import Actor
from apps.audit.selectors import audit_for_target
from apps.core.errors import ConsoleError
from apps.core.kit import (
    can,
    confirm_dialog,
    edit_in_place,
    finish,
    form_fail,
    posted,
    refuse,
    render_form,
    render_page,
)
from apps.core.parse import plain_int
from apps.guardrails import forms, selectors, services
from apps.guardrails.models import Guardrail
from apps.guardrails.policy import can_call
from apps.guardrails.policy import key_policy as key_policy_of
from apps.guardrails.syncs import STREAM
from apps.syncs.selectors import stream_status
from apps.workspaces.selectors import workspace_choices, workspace_names

LIST = "guardrails:list"


@dataclass(frozen=True)
class Kind:
    """What a guardrail is assigned to: its pickers' lists and its bulk writes."""

    label: str
    candidates: Callable  # (g, q="", limit=...) -> selectors.Shown
    holders: Callable
    assign: Callable  # (actor, g, ids) -> services.AssignOutcome
    unassign: Callable


KINDS = {
    "keys": Kind(
        "Keys",
        selectors.key_candidates,
        selectors.assigned_keys,
        services.guardrail_assign_keys,
        services.guardrail_unassign_keys,
    ),
    "members": Kind(
        "Members",
        selectors.member_candidates,
        selectors.assigned_members,
        services.guardrail_assign_members,
        services.guardrail_unassign_members,
    ),
}


def _kind(kind: str) -> Kind:
    if kind not in KINDS:
        raise Http404("No such assignment kind.")
    return KINDS[kind]


def _guardrail(request: HttpRequest, guardrail_id: str) -> Guardrail:
    return get_for_org(request, Guardrail, guardrail_id=guardrail_id)


def _detail_url(g: Guardrail) -> str:
    return reverse("guardrails:detail", args=[g.guardrail_id])


@org_view(Perm.VIEW_GUARDRAILS)
@require_GET
def guardrail_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    workspace = request.GET.get("workspace", "")[:64]
    rows, next_cursor = selectors.guardrails_page(
        request.organisation, q=q, workspace_id=workspace, after=request.GET.get("after", "")
    )
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "q": q,
        "workspace": workspace,
        "filters_active": bool(q or workspace),
        "rows": rows,
        "next_cursor": next_cursor,
        "workspaces": workspace_choices(request.organisation),
        "workspace_names": workspace_names(request.organisation),
        "manage": can(request, Perm.MANAGE_GUARDRAILS),
        "sync": stream_status(request.organisation, STREAM),
        "query": query.urlencode(),
    }
    return render_page(request, "guardrails/list.html", context, partial="results", more="rows")


@org_view(Perm.VIEW_GUARDRAILS)
@require_GET
def guardrail_assignments(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    kind = request.GET.get("kind", "")
    kind = kind if kind in ("key", "member") else ""
    offset = plain_int(request.GET.get("after")) or 0
    rows, total = selectors.assignments_page(request.organisation, q=q, kind=kind, offset=offset)
    shown = offset + len(rows)
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "rows": rows,
        "total": total,
        "shown": shown,
        "next_offset": shown if shown < total else None,
        "query": query.urlencode(),
        "q": q,
        "kind": kind,
        "filters_active": bool(q or kind),
    }
    return render_page(
        request, "guardrails/assignments.html", context, partial="results", more="rows"
    )


def _form(request: HttpRequest, data=None, *, editing=False, initial=None):
    return forms.GuardrailForm(
        data,
        initial=initial,
        organisation=request.organisation,
        workspaces=workspace_choices(request.organisation),
        editing=editing,
    )


@org_view(Perm.MANAGE_GUARDRAILS)
@require_http_methods(["GET", "POST"])
def guardrail_create(request: HttpRequest) -> HttpResponse:
    form = _form(request, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        body = form.body()
        try:
            g = services.guardrail_create(
                Actor.from_request(request), name=body.pop("name"), **body
            )
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            return finish(
                request,
                _detail_url(g),
                f"Guardrail {g.name} created. It does nothing until it is assigned.",
            )
    return render_form(request, "guardrails/create.html", {"form": form}, partial="form")


def _initial(request: HttpRequest, g: Guardrail) -> dict:
    initial = forms.GuardrailForm.initial_for(g)
    for name in ("allowed_models", "ignored_models"):
        initial[name] = selectors.as_model_ids(request.organisation, initial[name]) or []
    return initial


def _detail_context(request: HttpRequest, g: Guardrail) -> dict:
    manage = can(request, Perm.MANAGE_GUARDRAILS)
    context = {
        "guardrail": g,
        "manage": manage,
        "workspace_name": workspace_names(request.organisation).get(g.workspace_id, ""),
        "default_of": selectors.default_of(g),
        "keys": selectors.assigned_keys(g),
        "members": selectors.assigned_members(g),
        "history": audit_for_target(request.organisation, services.TARGET, g.guardrail_id)[:20],
    }
    if manage:
        context |= {
            "key_candidates": selectors.key_candidates(g),
            "member_candidates": selectors.member_candidates(g),
        }
    return context


@org_view(Perm.VIEW_GUARDRAILS)
@require_GET
def guardrail_detail(request: HttpRequest, guardrail_id: str) -> HttpResponse:
    """The guardrail's page: its rules, the keys and members holding it, its history."""
    g = _guardrail(request, guardrail_id)
    return render_page(request, "guardrails/detail.html", _detail_context(request, g))


@org_view(Perm.MANAGE_GUARDRAILS)
@require_http_methods(["GET", "POST"])
def guardrail_settings(request: HttpRequest, guardrail_id: str) -> HttpResponse:
    """The guardrail's settings form (POST saves, after saying whom a change would block)."""
    g = _guardrail(request, guardrail_id)
    form = None
    if request.method == "POST":
        form = _form(request, request.POST, editing=True)
        if form.is_valid() and not form.cleaned_data["accept_blocking"]:
            _warn_blocking(form, g)

    def context(g: Guardrail, form) -> dict:
        form = form or _form(request, editing=True, initial=_initial(request, g))
        return {"guardrail": g, "form": form}

    return edit_in_place(
        request,
        form,
        lambda: services.guardrail_update(Actor.from_request(request), g, **form.changes(g)),
        current=g,
        template="guardrails/settings.html",
        context=context,
        back=_detail_url,
    )


def _warn_blocking(form, g: Guardrail) -> None:
    """Before saving model rules, say which keys that called a model lately they would
    block; before saving a budget, which keys have already spent it."""
    changes = form.changes(g)
    body = form.body()
    if {"allowed_models", "ignored_models"} & changes.keys():
        form.blocking = selectors.recently_blocked(
            g, body["allowed_models"], body["ignored_models"]
        )
        if form.blocking:
            keys = {k for names in form.blocking.values() for k in names}
            models = ", ".join(form.blocking)
            form.add_error(
                None,
                f"This change would block {len(keys)} key{'s' if len(keys) != 1 else ''} that "
                f"called {models} in the last 7 days. Tick “Save anyway” to save it.",
            )
    limit = body.get("limit_usd")
    if limit is not None and {"limit_usd", "reset_interval"} & changes.keys():
        interval = body.get("reset_interval") or ""
        reached = selectors.budget_reached(g, limit, interval, body["include_byok_in_budgets"])
        if reached:
            window = f"this {interval} window" if interval else "in all"
            form.blocking[f"budget ${limit:,.2f}"] = reached.names()
            who = " and ".join(
                f"{n} {noun}{'s' if n != 1 else ''}"
                for n, noun in ((len(reached.keys), "key"), (len(reached.members), "member"))
                if n
            )
            form.add_error(
                None,
                f"This budget would block {who} at once: each has already spent "
                f"${limit:,.2f} {window}. Tick “Save anyway” to save it.",
            )


def _outcome_message(outcome: services.AssignOutcome, verb: str, labels: dict) -> str:
    names = ", ".join(labels.get(i, i) for i in outcome.done)
    message = f"{len(outcome.done)} {verb}: {names}." if outcome.done else ""
    if outcome.replaced:
        message += f" {len(outcome.replaced)} of them held another guardrail, now replaced."
    if outcome.error is not None:
        failed = ", ".join(labels.get(i, i) for i in outcome.failed)
        message += f" Not applied ({failed}): {outcome.error.user_message}"
    return message.strip()


def _search(request: HttpRequest, g: Guardrail, kind: str, name: str, list_of) -> HttpResponse:
    """One of the guardrail's pick lists narrowed by a search (a partial)."""
    q = request.GET.get("q", "").strip()[:100]
    context = {
        "guardrail": g,
        "kind": kind,
        name: list_of(g, q),
        "q": q,
        "manage": can(request, Perm.MANAGE_GUARDRAILS),
    }
    return render_page(request, f"guardrails/_{name}.html", context)


def _apply(request: HttpRequest, g: Guardrail, kind: str, *, assign: bool) -> HttpResponse:
    """Assign or unassign the picked keys or members, and say which were applied."""
    of = _kind(kind)
    listed = of.candidates if assign else of.holders
    labels = {c.value: c.label for c in listed(g, limit=None)}
    form = forms.AssignForm(request.POST, choices=list(labels.items()), label=of.label)
    if not form.is_valid():
        return refuse(request, ConsoleError(form.errors["ids"][0]), back=_detail_url(g))
    write = of.assign if assign else of.unassign
    outcome = write(Actor.from_request(request), g, form.cleaned_data["ids"])
    if outcome.error is not None and not outcome.done:
        return refuse(request, outcome.error, back=_detail_url(g))
    verb = "assigned" if assign else "unassigned"
    message = _outcome_message(outcome, f"{kind} {verb}", labels)
    return finish(request, _detail_url(g), message, level="warning" if outcome.error else "success")


@org_view(Perm.MANAGE_GUARDRAILS)
@require_http_methods(["GET", "POST"])
def guardrail_assign(request: HttpRequest, guardrail_id: str, kind: str) -> HttpResponse:
    """GET: the candidates matching a search (a partial); POST: assign those picked."""
    g = _guardrail(request, guardrail_id)
    if request.method == "GET":
        return _search(request, g, kind, "candidates", _kind(kind).candidates)
    return _apply(request, g, kind, assign=True)


@org_view(Perm.VIEW_GUARDRAILS)
@require_GET
def guardrail_holders(request: HttpRequest, guardrail_id: str, kind: str) -> HttpResponse:
    """The keys or members holding the guardrail that match a search (a partial)."""
    g = _guardrail(request, guardrail_id)
    return _search(request, g, kind, "holders", _kind(kind).holders)


@org_view(Perm.MANAGE_GUARDRAILS)
@require_POST
def guardrail_unassign(request: HttpRequest, guardrail_id: str, kind: str) -> HttpResponse:
    g = _guardrail(request, guardrail_id)
    return _apply(request, g, kind, assign=False)


@org_view(Perm.MANAGE_GUARDRAILS)
@require_http_methods(["GET", "POST"])
def guardrail_delete(request: HttpRequest, guardrail_id: str) -> HttpResponse:
    g = _guardrail(request, guardrail_id)
    keys, members = selectors.holder_counts(g)
    context = {"guardrail": g, "keys": keys, "members": members}
    return confirm_dialog(
        request,
        forms.DeleteForm(posted(request), expected=g.name),
        lambda: services.guardrail_delete(Actor.from_request(request), g),
        template="guardrails/delete.html",
        context=context,
        done=reverse(LIST),
        message=f"Guardrail {g.name} deleted.",
    )


def _check(request: HttpRequest) -> dict:
    """The "can this key call …?" question from the query string."""
    model = request.GET.get("model", "").strip()[:160]
    provider = request.GET.get("provider", "").strip()[:80]
    cost_text = request.GET.get("cost", "").strip()[:20]
    check = {"model": model, "provider": provider, "cost_text": cost_text, "cost": None}
    check["active"] = bool(model or provider or cost_text)
    if cost_text:
        try:
            check["cost"] = Decimal(cost_text)
        except InvalidOperation:
            check["error"] = "The estimated cost must be a number of dollars, e.g. 0.25."
        else:
            if not check["cost"].is_finite() or check["cost"] < 0:
                check["error"] = "The estimated cost must be a number of dollars, e.g. 0.25."
    if check["active"] and not model and "error" not in check:
        check["error"] = "Type the model to check (its id, e.g. openai/gpt-4.1-mini)."
    return check


@org_view(Perm.REQUEST_KEYS)
@require_GET
def key_policy(request: HttpRequest, key_hash: str) -> HttpResponse:
    """A key's effective policy and "can it call …?"; a member sees only their own keys'."""
    see_keys = can(request, Perm.VIEW_KEYS)
    key = selectors.policy_key(request.organisation, request.user, key_hash, see_keys=see_keys)
    if key is None:
        raise Http404("No such key.")
    policy = key_policy_of(key)
    check = _check(request)
    answer = None
    if check["model"] and "error" not in check:
        answer = can_call(policy, check["model"], check["provider"], check["cost"])
    context = {
        "key": key,
        "policy": policy,
        "check": check,
        "answer": answer,
        "see_keys": see_keys,
    }
    return render_page(request, "guardrails/key_policy.html", context, partial="answer")

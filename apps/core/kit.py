"""The shared view kit: how every console view answers, written once.

The HTMX rule, mirrored by the one ``htmx-config`` in ``templates/base.html``:

- **200**: swapped. A normal request gets the full page, an HTMX request the named partial
  (a history restore or a boosted request gets the full page too).
- **422**: a form was refused. Its partial comes back with each message next to its field
  (or at the top) and everything typed kept, except secrets; swapped in place.
- **410**: a one-time thing already used or run out; its partial is swapped.
- **204**: nothing to swap.
- **any other 4xx/5xx**: nothing is swapped; the response carries an error toast
  (``HX-Trigger: toast``) that says what went wrong, and the page stays as it was.

A write that ends on another page answers with a client redirect (``HX-Redirect``) and puts
its message in the session (Django messages), so it shows on the page the browser lands on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from apps.accounts.roles import Perm, role_allows
from apps.core.errors import ConsoleError

FORM_INVALID = 422


def wants_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and not htmx.boosted


def render_page(
    request: HttpRequest,
    template: str,
    context: dict | None = None,
    *,
    partial: str | None = None,
    more: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The full page, or only ``partial`` (a ``{% partialdef %}``) for an HTMX request, or
    only ``more`` (a list's rows) for an HTMX "load more" (a request with a cursor)."""
    name = template
    if wants_partial(request):
        paging = more and (request.GET.get("after") or request.GET.get("before"))
        part = more if paging else partial
        name = f"{template}#{part}" if part else template
    return render(request, name, context or {}, status=status)


def render_form(
    request: HttpRequest,
    template: str,
    context: dict,
    *,
    partial: str | None = None,
    form_key: str = "form",
) -> HttpResponse:
    """A form page: 422 when the form carries errors (shown in place), else 200.

    ``form_key`` names the context entry holding the submitted form, for a page with several.
    """
    form = context.get(form_key)
    status = FORM_INVALID if form is not None and form.errors else 200
    return render_page(request, template, context, partial=partial, status=status)


def form_fail(form, exc: ConsoleError) -> None:
    """Put a refusal on the form: next to its field when it names one, else at the top."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.user_message)


def toast(response: HttpResponse, message: str, level: str = "success") -> HttpResponse:
    """Ask the page to show a toast (listened for in ``static/console/app.js``)."""
    return trigger_client_event(response, "toast", {"message": message, "level": level})


def finish(request: HttpRequest, to: str, message: str = "", *, level: str = "success"):
    """A write is done and the person goes to ``to`` (a URL), with ``message`` shown there."""
    if message:
        getattr(messages, level if level in ("success", "error", "warning") else "info")(
            request, message
        )
    if getattr(request, "htmx", None):
        return HttpResponseClientRedirect(to)
    return redirect(to)


def saved(
    request: HttpRequest,
    *,
    back: str,
    part: str,
    context: Callable[[], dict],
    message: str,
    level: str = "success",
) -> HttpResponse:
    """A write is done where the person stands: htmx swaps ``part`` (``page.html#partial``)
    in again, built from ``context()``, with ``message`` as a toast; a plain form post goes
    to ``back`` with the message shown there."""
    if not getattr(request, "htmx", None):
        return finish(request, back, message, level=level)
    return toast(render(request, part, context()), message, level)


def edit_in_place(
    request: HttpRequest,
    form,
    save: Callable[[], Any],
    *,
    current: Any,
    template: str,
    context: Callable[[Any, Any], dict],
    back: Callable[[Any], str],
    partial: str = "settings",
    message: str = "Saved.",
) -> HttpResponse:
    """A page's settings form (its template's ``partial``). A valid POST runs ``save`` (a
    service call that returns the saved object) and the part comes back built from
    ``context(saved, None)`` (None: a fresh form), with ``message``; a plain post lands on
    ``back(saved)``. A refusal lands on the form, in place; otherwise the page, with
    ``context(current, form)``, 422 when the form was refused."""
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            obj = save()
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            return saved(
                request,
                back=back(obj),
                part=f"{template}#{partial}",
                context=lambda: context(obj, None),
                message=message,
            )
    return render_form(request, template, context(current, form), partial=partial)


def posted(request: HttpRequest):
    """The POST data to bind a form to, or None on GET: an empty POST still gets refused."""
    return request.POST if request.method == "POST" else None


def confirm_dialog(
    request: HttpRequest,
    form,
    act: Callable[[], object],
    *,
    template: str,
    context: dict,
    done: str,
    message: str,
) -> HttpResponse:
    """A confirmation dialog (its template's ``modal`` partial): a valid POST runs ``act`` (a
    service call); a refusal lands on the form, in place; success goes to ``done`` with
    ``message``. Otherwise the dialog, 422 when the form was refused."""
    if request.method == "POST" and form.is_valid():
        try:
            act()
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            return finish(request, done, message)
    return render_form(request, template, {**context, "form": form}, partial="modal")


def refuse(request: HttpRequest, exc: ConsoleError, *, back: str) -> HttpResponse:
    """An action outside a form (a button) was refused: say so, change nothing on the page."""
    if getattr(request, "htmx", None):
        return toast(HttpResponse(status=exc.http_status), exc.user_message, "error")
    messages.error(request, exc.user_message)
    return redirect(back)


def with_oob(response: HttpResponse, *fragments: str) -> HttpResponse:
    """Append out-of-band fragments (elements carrying ``hx-swap-oob``) to a response."""
    for fragment in fragments:
        response.content += fragment.encode()
    return response


def can(request: HttpRequest, perm: Perm) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and role_allows(membership.role, perm)

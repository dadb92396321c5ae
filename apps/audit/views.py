from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.accounts.access import org_view
from apps.accounts.roles import Perm
from apps.audit import selectors
from apps.audit.forms import AuditFilterForm


@org_view(Perm.VIEW_AUDIT)
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    before = request.GET.get("before")
    entries, has_more = selectors.audit_page(
        request.organisation,
        form.filters(),
        before_id=int(before) if before and before.isdigit() else None,
    )
    query = request.GET.copy()
    query.pop("before", None)
    context = {
        "form": form,
        "entries": entries,
        "has_more": has_more,
        "next_before": entries[-1].pk if entries else None,
        "query": query.urlencode(),
        "actions": selectors.audit_actions(request.organisation),
    }
    if request.htmx and before:
        return render(request, "audit/list.html#rows", context)
    if request.htmx:
        return render(request, "audit/list.html#results", context)
    return render(request, "audit/list.html", context)

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from apps.accounts.access import org_view
from apps.accounts.roles import Perm
from apps.audit import selectors
from apps.audit.forms import AuditFilterForm
from apps.core.kit import render_page
from apps.core.parse import plain_int


@org_view(Perm.VIEW_AUDIT)
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    before = plain_int(request.GET.get("before"))
    filters = form.filters()
    entries, has_more = selectors.audit_page(request.organisation, filters, before_id=before)
    query = request.GET.copy()
    for param in ("before", "clear"):
        query.pop(param, None)
    context = {
        "form": form,
        "entries": entries,
        "has_more": has_more,
        "next_before": entries[-1].pk if entries else None,
        "query": query.urlencode(),
        "actions": selectors.audit_actions(request.organisation),
        "filters_active": filters != selectors.AuditFilters(),
    }
    status = 422 if form.errors else 200
    return render_page(
        request, "audit/list.html", context, partial="results", more="rows", status=status
    )

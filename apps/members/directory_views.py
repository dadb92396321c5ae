"""The upstream organisation's members beside the console's users: role, workspaces,
guardrail, keys; each member's page with their effective policy. Reads the mirrors only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from apps.accounts.access import get_for_org, org_view
from apps.accounts.roles import Perm
from apps.core.kit import can, render_page
from apps.guardrails.policy import member_policy
from apps.members import selectors
from apps.members.models import UpstreamMember
from apps.syncs.selectors import stream_status
from apps.workspaces.selectors import workspace_choices


@org_view(Perm.VIEW_ORG_MEMBERS)
@require_GET
def member_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    workspace = request.GET.get("workspace", "")[:64]
    context = {
        "q": q,
        "workspace": workspace,
        "filters_active": bool(q or workspace),
        "rows": selectors.member_rows(request.organisation, q=q, workspace_id=workspace),
        "workspaces": workspace_choices(request.organisation),
        "manage": can(request, Perm.MANAGE_MEMBERS),
        "sync": stream_status(request.organisation, "members"),
        "query": request.GET.urlencode(),
    }
    return render_page(request, "members/list.html", context, partial="results")


@org_view(Perm.VIEW_ORG_MEMBERS)
@require_GET
def member_detail(request: HttpRequest, user_id: str) -> HttpResponse:
    member = get_for_org(request, UpstreamMember, user_id=user_id)
    row = next(iter(selectors.member_rows(request.organisation, q=member.user_id)), None)
    context = {
        "member": member,
        "row": row,
        "policy": member_policy(request.organisation, member.user_id),
    }
    return render_page(request, "members/detail.html", context)

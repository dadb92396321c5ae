"""The upstream organisation's members beside the console's users: role, workspaces,
guardrail, keys; each member's page with their effective policy. Reads the mirrors only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.access import get_for_org, org_view
from apps.accounts.roles import Perm, Role
from apps.accounts.services import invitation_create
from apps.audit.context import Actor
from apps.core.errors import ConsoleError, Invalid
from apps.core.kit import can, finish, refuse, render_page
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
    show_spend = can(request, Perm.VIEW_SPEND)
    context = {
        "q": q,
        "workspace": workspace,
        "filters_active": bool(q or workspace),
        "rows": selectors.member_rows(
            request.organisation, q=q, workspace_id=workspace, with_spend=show_spend
        ),
        "show_spend": show_spend,
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
    show_spend = can(request, Perm.VIEW_SPEND)
    rows = selectors.member_rows(request.organisation, q=member.user_id, with_spend=show_spend)
    context = {
        "member": member,
        "row": next(iter(rows), None),
        "show_spend": show_spend,
        "manage": can(request, Perm.MANAGE_MEMBERS),
        "policy": member_policy(request.organisation, member.user_id),
    }
    return render_page(request, "members/detail.html", context)


@org_view(Perm.MANAGE_MEMBERS)
@require_POST
def member_invite(request: HttpRequest, user_id: str) -> HttpResponse:
    """Invite an upstream member who has no console account yet, by their email, as a
    member (linked to them by that email once they accept)."""
    member = get_for_org(request, UpstreamMember, user_id=user_id)
    back = reverse("org_members:list")
    if not member.email:
        return refuse(request, Invalid("This member has no email upstream to invite."), back=back)
    try:
        invitation = invitation_create(
            actor=Actor.from_request(request),
            email=member.email,
            role=Role.MEMBER,
            accept_url_builder=lambda inv: request.build_absolute_uri(
                reverse("accounts:invitation_accept", args=[inv.token])
            ),
        )
    except ConsoleError as exc:
        return refuse(request, exc, back=back)
    return finish(
        request,
        back,
        f"Invitation sent to {invitation.email}: they join the console as a member, linked "
        "to their OpenRouter account by that email.",
    )

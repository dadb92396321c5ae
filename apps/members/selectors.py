"""Reads of the upstream member directory and the console ↔ upstream links."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from apps.accounts.models import Invitation
from apps.core.periods import utc_today
from apps.guardrails.models import Guardrail, GuardrailMemberAssignment
from apps.keys.models import Key
from apps.members.models import IssuedCode, UpstreamIdentity, UpstreamMember
from apps.spend.filters import default_filters
from apps.spend.models import SpendFact
from apps.workspaces.models import Workspace, WorkspaceMember


def upstream_ids_of(organisation, user) -> set[str]:
    """The upstream user ids a console user is linked to (at most one today)."""
    return set(
        UpstreamIdentity.objects.filter(organisation=organisation, user=user).values_list(
            "upstream_user_id", flat=True
        )
    )


def identities_by_user(organisation) -> dict[int, str]:
    return dict(
        UpstreamIdentity.objects.filter(organisation=organisation).values_list(
            "user_id", "upstream_user_id"
        )
    )


def member_emails(organisation) -> dict[str, str]:
    """Upstream user id → email, from the synced member directory."""
    return dict(
        UpstreamMember.objects.filter(organisation=organisation).values_list("user_id", "email")
    )


def people_labels(organisation, user_ids=None) -> dict[str, str]:
    """Upstream user id → the best name the console has: a linked console user's email,
    else the directory's name or email (of ``user_ids`` only, a list or a subquery, if
    given)."""
    members = UpstreamMember.objects.filter(organisation=organisation)
    identities = UpstreamIdentity.objects.filter(organisation=organisation)
    if user_ids is not None:
        members = members.filter(user_id__in=user_ids)
        identities = identities.filter(upstream_user_id__in=user_ids)
    labels = {
        user_id: name or email or user_id
        for user_id, name, email in members.values_list("user_id", "name", "email")
    }
    labels.update(identities.values_list("upstream_user_id", "user__email"))
    return labels


# --- the organisation members pages ---------------------------------------------------------


MICROS = Decimal(1_000_000)


@dataclass
class MemberRow:
    member: UpstreamMember
    console_email: str
    workspaces: list[tuple[str, str]]  # (workspace_id, name)
    guardrail: tuple[str, str] | None  # (guardrail_id, name)
    keys: int
    spend: Decimal | None = None  # the spend page's default window (None: not asked for)
    invited: bool = False  # an open console invitation waits for their email


def _spend_window():
    """The spend page's default period (the last 30 completed days), to link to it."""
    return default_filters(utc_today())


def member_rows(
    organisation, *, q: str = "", workspace_id: str = "", with_spend: bool = False
) -> list[MemberRow]:
    """Every upstream member with their console account, workspaces, guardrail and keys,
    and (``with_spend``) their spend over the spend page's default window from the spend
    cache (a constant number of queries, whatever the size)."""
    qs = UpstreamMember.objects.filter(organisation=organisation)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(email__icontains=q) | Q(user_id__icontains=q))
    if workspace_id:
        qs = qs.filter(
            user_id__in=WorkspaceMember.objects.filter(
                organisation=organisation, workspace_id=workspace_id
            ).values("user_id")
        )
    names = dict(
        Workspace.objects.filter(organisation=organisation).values_list("workspace_id", "name")
    )
    spaces: dict[str, list[tuple[str, str]]] = {}
    for m in WorkspaceMember.objects.filter(organisation=organisation).order_by("workspace_id"):
        spaces.setdefault(m.user_id, []).append((m.workspace_id, names.get(m.workspace_id, "")))
    guardrails = dict(
        Guardrail.objects.filter(organisation=organisation).values_list("guardrail_id", "name")
    )
    held = dict(
        GuardrailMemberAssignment.objects.filter(organisation=organisation).values_list(
            "user_id", "guardrail_id"
        )
    )
    keys = dict(
        Key.objects.filter(organisation=organisation)
        .order_by()
        .values("creator_user_id")
        .annotate(n=Count("pk"))
        .values_list("creator_user_id", "n")
    )
    emails = dict(
        UpstreamIdentity.objects.filter(organisation=organisation).values_list(
            "upstream_user_id", "user__email"
        )
    )
    spend: dict[str, int] = {}
    if with_spend:
        window = _spend_window()
        spend = dict(
            SpendFact.objects.filter(
                organisation=organisation, date__range=(window.start, window.end)
            )
            .exclude(user_id="")
            .order_by()
            .values("user_id")
            .annotate(u=Sum("usage_micros"))
            .values_list("user_id", "u")
        )
    invited = {
        i.email
        for i in Invitation.objects.filter(
            organisation=organisation, accepted_at__isnull=True, revoked_at__isnull=True
        ).only("email", "created_at", "accepted_at", "revoked_at")
        if i.is_usable
    }
    return [
        MemberRow(
            member=m,
            console_email=emails.get(m.user_id, ""),
            workspaces=sorted(spaces.get(m.user_id, []), key=lambda w: w[1].lower()),
            guardrail=(held[m.user_id], guardrails.get(held[m.user_id], held[m.user_id]))
            if m.user_id in held
            else None,
            keys=keys.get(m.user_id, 0),
            spend=Decimal(spend.get(m.user_id) or 0) / MICROS if with_spend else None,
            invited=bool(m.email) and m.email.lower() in invited,
        )
        for m in qs.order_by("name", "email")[:1000]
    ]


def identity_of(organisation, user) -> dict | None:
    """The person's link to an upstream user, with how it was made and the directory's name."""
    identity = UpstreamIdentity.objects.filter(organisation=organisation, user=user).first()
    if identity is None:
        return None
    member = UpstreamMember.objects.filter(
        organisation=organisation, user_id=identity.upstream_user_id
    ).first()
    return {
        "upstream_user_id": identity.upstream_user_id,
        "source": identity.get_source_display(),
        "label": member.label if member else "",
    }


def codes_waiting(organisation, user):
    """Codes issued for ``user`` that can still be claimed, newest first."""
    return IssuedCode.objects.filter(
        organisation=organisation,
        for_user=user,
        claimed_at__isnull=True,
        expires_at__gt=timezone.now(),
    )

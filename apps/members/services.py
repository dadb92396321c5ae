"""Writes: the member directory from upstream, and links between console and upstream users."""

from __future__ import annotations

from enum import Enum
from typing import Any

from django.db import transaction

from apps.accounts.models import Membership
from apps.audit.context import Actor
from apps.audit.services import audit_record
from apps.members.models import UpstreamIdentity, UpstreamMember


def members_mirror(organisation, members: list[Any]) -> int:
    """Store the upstream directory (SDK ``OrganizationMember``s) and link console users
    with the same email. A link made by hand is never overwritten."""
    with transaction.atomic():
        for member in members:
            name = " ".join(p for p in (member.first_name, member.last_name) if p)
            UpstreamMember.objects.update_or_create(
                organisation=organisation,
                user_id=member.id,
                defaults={
                    "email": (member.email or "").lower(),
                    "name": name,
                    "role": _text(member.role),
                },
            )
        UpstreamMember.objects.filter(organisation=organisation).exclude(
            user_id__in=[m.id for m in members]
        ).delete()
        by_email = {(m.email or "").lower(): m.id for m in members if m.email}
        linked = set(
            UpstreamIdentity.objects.filter(organisation=organisation).values_list(
                "user_id", flat=True
            )
        )
        for membership in Membership.objects.filter(organisation=organisation).select_related(
            "user"
        ):
            upstream_id = by_email.get(membership.user.email.lower())
            if upstream_id and membership.user_id not in linked:
                UpstreamIdentity.objects.create(
                    organisation=organisation,
                    user=membership.user,
                    upstream_user_id=upstream_id,
                    source=UpstreamIdentity.Source.EMAIL,
                )
    return len(members)


def _text(value: Any) -> str:
    """An SDK enum member or an unrecognised plain string, as text."""
    return value.value if isinstance(value, Enum) else str(value or "")


def identity_set(
    *, actor: Actor, organisation, user, upstream_user_id: str
) -> UpstreamIdentity | None:
    """Say which upstream user a console member is (their keys are the ones they created)."""
    with transaction.atomic():
        current = UpstreamIdentity.objects.filter(organisation=organisation, user=user).first()
        before = {"upstream_user_id": current.upstream_user_id if current else ""}
        if not upstream_user_id:
            UpstreamIdentity.objects.filter(organisation=organisation, user=user).delete()
            result = None
        else:
            result, _ = UpstreamIdentity.objects.update_or_create(
                organisation=organisation,
                user=user,
                defaults={
                    "upstream_user_id": upstream_user_id,
                    "source": UpstreamIdentity.Source.MANUAL,
                },
            )
        audit_record(
            actor,
            action="member.identity_set",
            target_type="user",
            target_id=str(user.pk),
            target_label=user.email,
            before=before,
            after={"upstream_user_id": upstream_user_id},
        )
    return result

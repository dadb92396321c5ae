"""Reads of the upstream member directory and the console ↔ upstream links."""

from __future__ import annotations

from django.utils import timezone

from apps.members.models import IssuedCode, UpstreamIdentity, UpstreamMember


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


def people_labels(organisation) -> dict[str, str]:
    """Upstream user id → the best name the console has: a linked console user's email,
    else the directory's name or email."""
    labels = {m.user_id: m.label for m in UpstreamMember.objects.filter(organisation=organisation)}
    labels.update(
        UpstreamIdentity.objects.filter(organisation=organisation).values_list(
            "upstream_user_id", "user__email"
        )
    )
    return labels


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

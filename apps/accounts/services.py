"""Writes for organisations, memberships and invitations. Each one is audited."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.debug import sensitive_variables

from apps.accounts.models import ConnectionStatus, Invitation, Membership, Organisation, User
from apps.accounts.roles import ROLES_GRANTABLE_BY, Perm, Role, role_allows, roles_with
from apps.accounts.selectors import email_domain, sso_organisations_for_email, user_has_two_factor
from apps.audit.context import Actor
from apps.audit.services import audit_record
from apps.core.errors import Gone, Invalid, NotAllowed
from apps.gateway import account as gateway_account


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "organisation"
    slug, n = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def organisation_create(*, user: User, name: str, base_url: str | None = None) -> Organisation:
    organisation = Organisation.objects.create(
        name=name, slug=_unique_slug(name), base_url=base_url or settings.OPENROUTER_BASE_URL
    )
    ConnectionStatus.objects.create(organisation=organisation)
    Membership.objects.create(user=user, organisation=organisation, role=Role.OWNER)
    audit_record(
        Actor(organisation=organisation, user=user),
        action="organisation.create",
        target_type="organisation",
        target_id=organisation.pk,
        target_label=name,
        after={"name": name, "slug": organisation.slug, "base_url": organisation.base_url},
    )
    return organisation


@sensitive_variables("api_key")
def organisation_connect(*, actor: Actor, api_key: str, base_url: str) -> Organisation:
    """Check ``api_key`` live with ``GET /key``; store it (encrypted) only if it is a management key.

    Raises an ``UpstreamError`` (e.g. ``NotManagementKey``, ``AuthenticationFailed``) and
    changes nothing when the key is refused.
    """
    organisation = actor.organisation
    key_info = gateway_account.management_key_check(base_url, api_key)
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        before = {
            "connected": organisation.is_connected,
            "key_label": organisation.management_key_label,
            "base_url": organisation.base_url,
        }
        organisation.management_key = api_key
        organisation.management_key_label = key_info.label[:64]
        organisation.base_url = base_url
        organisation.connected_at = timezone.now()
        organisation.save(
            update_fields=["management_key", "management_key_label", "base_url", "connected_at"]
        )
        ConnectionStatus.objects.update_or_create(
            organisation=organisation,
            defaults={"ok": True, "message": "Connected", "checked_at": timezone.now()},
        )
        audit_record(
            actor,
            action="organisation.key_rotate" if before["connected"] else "organisation.connect",
            target_type="organisation",
            target_id=organisation.pk,
            target_label=organisation.name,
            before=before,
            after={
                "connected": True,
                "key_label": organisation.management_key_label,
                "base_url": base_url,
            },
        )
    return organisation


def invitation_create(*, actor: Actor, email: str, role: str, accept_url_builder) -> Invitation:
    _check_can_grant(actor, role)
    email = email.strip().lower()
    if Membership.objects.filter(organisation=actor.organisation, user__email=email).exists():
        raise Invalid("This person is already a member of the organisation.", field="email")
    with transaction.atomic():
        Invitation.objects.filter(
            organisation=actor.organisation,
            email=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=timezone.now())
        invitation = Invitation.objects.create(
            organisation=actor.organisation, email=email, role=role, invited_by=actor.user
        )
        audit_record(
            actor,
            action="invitation.create",
            target_type="invitation",
            target_id=invitation.pk,
            target_label=email,
            after={"email": email, "role": role},
        )
    url = accept_url_builder(invitation)
    transaction.on_commit(
        lambda: send_mail(
            f"You are invited to {actor.organisation.name} on the OpenRouter Console",
            f"{actor.label} invited you to join {actor.organisation.name} as {role}.\n\n"
            f"Accept the invitation: {url}\n\nThe link works for {settings.INVITATION_MAX_AGE_DAYS} days.",
            None,
            [email],
            fail_silently=True,
        )
    )
    return invitation


def invitation_revoke(*, actor: Actor, invitation: Invitation) -> None:
    if invitation.accepted_at or invitation.revoked_at:
        return
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        actor,
        action="invitation.revoke",
        target_type="invitation",
        target_id=invitation.pk,
        target_label=invitation.email,
        before={"email": invitation.email, "role": invitation.role},
    )


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, user: User, ip_address: str | None = None
) -> Membership:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_usable:
        raise Gone("This invitation has expired, was revoked, or was already used.")
    membership, _ = Membership.objects.get_or_create(
        user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_record(
        Actor(organisation=invitation.organisation, user=user, ip_address=ip_address),
        action="invitation.accept",
        target_type="membership",
        target_id=membership.pk,
        target_label=user.email,
        after={"email": user.email, "role": membership.role},
    )
    return membership


def grantable_roles(organisation, user) -> list[tuple[str, str]]:
    """The roles ``user`` may hand out in ``organisation`` (for the selects), best first."""
    role = (
        Membership.objects.filter(organisation=organisation, user=user)
        .values_list("role", flat=True)
        .first()
    )
    allowed = ROLES_GRANTABLE_BY.get(role, frozenset())
    return [(value, label) for value, label in Role.choices if value in allowed]


def _check_can_grant(actor: Actor, role: str) -> None:
    actor_role = (
        Membership.objects.filter(organisation=actor.organisation, user=actor.user)
        .values_list("role", flat=True)
        .first()
    )
    if role not in ROLES_GRANTABLE_BY.get(actor_role, frozenset()):
        raise NotAllowed("Only an owner can grant or remove the owner role.", field="role")


def _check_still_managed(membership: Membership, new_role: str | None) -> None:
    """Refuse a change that would leave the organisation with no owner (when it has one) or
    with nobody able to manage members. ``new_role`` None means the member is removed."""
    others = Membership.objects.filter(organisation=membership.organisation).exclude(
        pk=membership.pk
    )
    keeps_owner = new_role == Role.OWNER or others.filter(role=Role.OWNER).exists()
    if membership.role == Role.OWNER and not keeps_owner:
        raise Invalid("The organisation needs at least one owner.", field="role")
    managers = roles_with(Perm.MANAGE_MEMBERS)
    keeps_manager = (new_role is not None and role_allows(new_role, Perm.MANAGE_MEMBERS)) or (
        others.filter(role__in=managers).exists()
    )
    if not keeps_manager:
        raise Invalid(
            "Someone must be able to manage members: make another person an admin first.",
            field="role",
        )


def demotes_self(actor: Actor, membership: Membership, role: str) -> bool:
    """Would this change take away the actor's own right to manage members?"""
    return (
        actor.user is not None
        and membership.user_id == actor.user.pk
        and role_allows(membership.role, Perm.MANAGE_MEMBERS)
        and not role_allows(role, Perm.MANAGE_MEMBERS)
    )


@transaction.atomic
def membership_set_role(*, actor: Actor, membership: Membership, role: str) -> Membership:
    _check_can_grant(actor, role)
    _check_can_grant(actor, membership.role)
    if role != membership.role:
        _check_still_managed(membership, role)
    before = {"role": membership.role}
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        actor,
        action="membership.role_change",
        target_type="membership",
        target_id=membership.pk,
        target_label=membership.user.email,
        before=before,
        after={"role": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, actor: Actor, membership: Membership) -> None:
    _check_can_grant(actor, membership.role)
    _check_still_managed(membership, None)
    audit_record(
        actor,
        action="membership.remove",
        target_type="membership",
        target_id=membership.pk,
        target_label=membership.user.email,
        before={"email": membership.user.email, "role": membership.role},
    )
    membership.delete()


# --- Sign-in security -------------------------------------------------------


@transaction.atomic
def organisation_security_update(
    *, actor: Actor, require_2fa: bool, sso_domains: list[str], sso_default_role: str
) -> Organisation:
    """Set whether members need two-factor, and who joins through SSO with which role."""
    organisation = Organisation.objects.select_for_update().get(pk=actor.organisation.pk)
    if require_2fa and not organisation.require_2fa and not user_has_two_factor(actor.user):
        raise Invalid(
            "Turn on two-factor authentication for your own account first.", field="require_2fa"
        )
    if sso_default_role == Role.OWNER:
        raise Invalid("People who join by SSO cannot be owners.", field="sso_default_role")
    before = {
        "require_2fa": organisation.require_2fa,
        "sso_domains": organisation.sso_domain_list,
        "sso_default_role": organisation.sso_default_role,
    }
    organisation.require_2fa = require_2fa
    organisation.sso_domains = " ".join(sso_domains)
    organisation.sso_default_role = sso_default_role
    organisation.save(update_fields=["require_2fa", "sso_domains", "sso_default_role"])
    after = {
        "require_2fa": require_2fa,
        "sso_domains": organisation.sso_domain_list,
        "sso_default_role": sso_default_role,
    }
    if after != before:
        audit_record(
            actor,
            action="organisation.security_update",
            target_type="organisation",
            target_id=organisation.pk,
            target_label=organisation.name,
            before=before,
            after=after,
        )
    return organisation


@transaction.atomic
def sso_memberships_grant(
    *, user: User, email: str, ip_address: str | None = None
) -> list[Membership]:
    """Just-in-time membership: join every organisation whose SSO domains take ``email``."""
    granted = []
    for organisation in sso_organisations_for_email(email):
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, defaults={"role": organisation.sso_default_role}
        )
        if not created:
            continue
        granted.append(membership)
        audit_record(
            Actor(organisation=organisation, user=user, ip_address=ip_address),
            action="membership.sso_join",
            target_type="membership",
            target_id=membership.pk,
            target_label=user.email,
            after={"email": user.email, "role": membership.role, "domain": email_domain(email)},
        )
    return granted


def two_factor_change_record(
    *, user: User, action: str, kind: str, ip_address: str | None = None
) -> None:
    """Audit a change to someone's two-factor set-up in each of their organisations."""
    for membership in Membership.objects.filter(user=user).select_related("organisation"):
        audit_record(
            Actor(organisation=membership.organisation, user=user, ip_address=ip_address),
            action=action,
            target_type="user",
            target_id=user.pk,
            target_label=user.email,
            after={"authenticator": kind},
        )

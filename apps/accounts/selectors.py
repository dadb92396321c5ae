"""Reads for sign-in security: two-factor status and which organisations SSO joins."""

from __future__ import annotations

from allauth.mfa.models import Authenticator

from apps.accounts.models import Membership, Organisation, User


def user_has_two_factor(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def sso_organisations_for_email(email: str) -> list[Organisation]:
    """The organisations whose SSO domains include ``email``'s domain."""
    domain = email_domain(email)
    if not domain:
        return []
    return [
        org for org in Organisation.objects.exclude(sso_domains="") if domain in org.sso_domain_list
    ]


def security_summary(organisation: Organisation) -> dict:
    """How many members have two-factor on, for the Security page."""
    members = Membership.objects.filter(organisation=organisation)
    with_2fa = members.filter(user__authenticator__type=Authenticator.Type.TOTP).distinct()
    return {"members": members.count(), "with_two_factor": with_2fa.count()}

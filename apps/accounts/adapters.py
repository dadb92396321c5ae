"""How django-allauth fits the console: no open sign-up, axes counts failed passwords, and
SSO sign-in only for domains an organisation takes (joining it just in time)."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.http import HttpRequest

from apps.accounts import services
from apps.accounts.selectors import sso_organisations_for_email


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # The wording the console's sign-in page has always had.
        "email_password_mismatch": "Please enter a correct email address and password. "
        "Note that both fields may be case-sensitive.",
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False  # accounts come from invitations (or SSO, see below)

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        # Failed passwords are counted, and locked out, by django-axes alone: one rule, one
        # message. allauth's own limit still guards the two-factor code step.
        return None


def verified_email(sociallogin: SocialLogin) -> str:
    """The first address the identity provider vouches for (``email_verified``), or ""."""
    return next((e.email for e in sociallogin.email_addresses if e.verified), "")


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        """A new person may sign up through SSO only into an organisation that takes them."""
        email = verified_email(sociallogin)
        return bool(email and sso_organisations_for_email(email))

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form=None):
        user = super().save_user(request, sociallogin, form)
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        services.sso_memberships_grant(
            user=user, email=user.email, ip_address=request.META.get("REMOTE_ADDR")
        )
        return user

    def authenticate_by_email(self, sociallogin: SocialLogin):
        """An existing account with the vouched-for address: that account signs in.

        The console's account addresses are proven (invitation links go to them), so the
        address is recorded as verified; allauth would otherwise wipe the password, taking
        the address for an unproven claim.
        """
        found = super().authenticate_by_email(sociallogin)
        if found:
            user, email = found
            if user.email.lower() == email.lower():
                EmailAddress.objects.update_or_create(
                    user=user, email=user.email, defaults={"verified": True, "primary": True}
                )
        return found

"""Signal receivers for sign-in: the session's start time, and SSO's first link."""

from __future__ import annotations

from allauth.socialaccount.signals import social_account_added
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from apps.accounts import services
from apps.accounts.middleware import mark_session_start


@receiver(user_logged_in)
def _session_started(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        mark_session_start(request)


@receiver(social_account_added)
def _sso_account_linked(sender, request, sociallogin, **kwargs) -> None:
    """An existing account signs in through SSO for the first time: join as new people do."""
    services.sso_memberships_grant(
        user=sociallogin.user,
        email=sociallogin.user.email,
        ip_address=request.META.get("REMOTE_ADDR") if request is not None else None,
    )

"""Signal receivers for sign-in: the session's start time, SSO's first link, and audit
entries for two-factor changes (made in allauth's views)."""

from __future__ import annotations

from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
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


def _two_factor_changed(action: str):
    def receiver_(sender, request, user, authenticator, **kwargs) -> None:
        services.two_factor_change_record(
            user=user,
            action=action,
            kind=authenticator.type,
            ip_address=request.META.get("REMOTE_ADDR") if request is not None else None,
        )

    return receiver_


_on_added = _two_factor_changed("user.two_factor_add")
_on_removed = _two_factor_changed("user.two_factor_remove")
_on_reset = _two_factor_changed("user.two_factor_reset")
authenticator_added.connect(_on_added)
authenticator_removed.connect(_on_removed)
authenticator_reset.connect(_on_reset)

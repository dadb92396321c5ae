"""A sweep over every console URL: each view is guarded by the one role table.

New views are covered automatically: a view without ``org_view`` must be listed as public,
and every guarded view refuses a role that lacks its permission with 403.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from apps.accounts.roles import ROLE_PERMISSIONS, Perm, Role

pytestmark = pytest.mark.django_db

# Views anyone (or any signed-in user) may reach: authentication and invitations.
PUBLIC = {
    "media:video_callback",  # upstream's signed job callback: verified by its signature, not a session
    "accounts:login",
    "accounts:logout",
    "accounts:password_change",
    "accounts:password_change_done",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "accounts:invitation_accept",
    "accounts:organisation_create",
    "accounts:organisation_switch",
    "healthz",
}

# Sign-in flow views (django-allauth, apps/accounts/signin_urls.py), each reachable without
# an organisation for the reason given: they run before or during sign-in, or manage the
# signed-in person's own account, never an organisation's data.
SIGN_IN_FLOW = {
    "account_login": "allauth's name for the sign-in page (same view as accounts:login)",
    "account_logout": "allauth's name for sign-out (same view as accounts:logout)",
    "account_inactive": "shown to a deactivated account that tries to sign in",
    "account_reauthenticate": "asks a signed-in person for their password again",
    "mfa_authenticate": "the two-factor code step of signing in, before the session exists",
    "mfa_reauthenticate": "asks a signed-in person for a two-factor code again",
    "mfa_index": "the person's own two-factor settings; must work before any organisation",
    "mfa_activate_totp": "enrolment: where an organisation that requires 2FA sends people",
    "mfa_deactivate_totp": "the person's own authenticator",
    "mfa_view_recovery_codes": "the person's own recovery codes",
    "mfa_generate_recovery_codes": "the person's own recovery codes",
    "mfa_download_recovery_codes": "the person's own recovery codes",
    "openid_connect_login": "starts SSO with the identity provider (anonymous)",
    "openid_connect_callback": "the identity provider sends the person back here (anonymous)",
    "socialaccount_login_cancelled": "SSO cancelled at the identity provider",
    "socialaccount_login_error": "SSO failed at the identity provider",
    "socialaccount_signup": "allauth's SSO sign-up form, closed unless a domain is taken",
}


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern), entry.callback


def console_views():
    return [
        v
        for v in _walk(get_resolver().url_patterns)
        if not v[0].startswith(("sandbox:", "sandbox_auth:"))
    ]


def _concrete(route: str) -> str:
    route = re.sub(r"<(?:int|id):[^>]+>", "999999", route)
    route = re.sub(r"<uuid:[^>]+>", "00000000-0000-0000-0000-000000000000", route)
    route = re.sub(r"<[^>]+>", "zzz", route)
    return "/" + route.lstrip("^").rstrip("$")


def test_every_console_view_is_guarded_or_explicitly_public():
    unguarded = [
        name
        for name, _route, view in console_views()
        if name not in PUBLIC | SIGN_IN_FLOW.keys() and not hasattr(view, "required_perm")
    ]
    assert unguarded == []


@pytest.mark.parametrize("role", [Role.MEMBER, Role.FINANCE, Role.ADMIN])
def test_roles_without_the_permission_get_403_everywhere(client_for, organisation, role):
    from tests.factories import MembershipFactory

    user = MembershipFactory(organisation=organisation, role=role).user
    client = client_for(user)
    checked = 0
    for name, route, view in console_views():
        perm = getattr(view, "required_perm", None)
        if perm is None or perm in ROLE_PERMISSIONS[role]:
            continue
        response = client.get(_concrete(route))
        assert response.status_code == 403, f"{name} answered {response.status_code} to {role}"
        checked += 1
    assert checked > 0


def test_owner_holds_every_permission_and_admin_all_but_security():
    assert ROLE_PERMISSIONS[Role.OWNER] == frozenset(Perm)
    assert ROLE_PERMISSIONS[Role.ADMIN] == frozenset(Perm) - {Perm.MANAGE_SECURITY}

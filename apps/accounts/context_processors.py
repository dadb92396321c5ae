from __future__ import annotations

from apps.accounts.access import two_factor_pending
from apps.accounts.models import Membership
from apps.accounts.roles import Perm, role_allows
from apps.core.navigation import nav_for


class _PermView:
    """Lets templates write ``{% if can.manage_keys %}``."""

    def __init__(self, role: str | None) -> None:
        self.role = role

    def __getattr__(self, name: str) -> bool:
        try:
            return self.role is not None and role_allows(self.role, Perm(name))
        except ValueError:
            return False


def organisation(request) -> dict:
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    others = []
    if membership is not None and user is not None and user.is_authenticated:
        others = list(
            Membership.objects.filter(user=user)
            .select_related("organisation")
            .order_by("organisation__name")
        )
    match = getattr(request, "resolver_match", None)
    current_view = match.view_name if match else ""
    # Until they enrol where two-factor is required, a person holds no permission there
    # (so the navigation offers nothing that would send them back to enrol).
    role = membership.role if membership and not two_factor_pending(request) else None
    return {
        "nav": nav_for(role, current_view),
        "current_membership": membership,
        "current_organisation": membership.organisation if membership else None,
        "user_memberships": others,
        "can": _PermView(role),
    }

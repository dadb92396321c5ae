from __future__ import annotations

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
    return {
        "nav": nav_for(membership.role if membership else None, current_view),
        "current_membership": membership,
        "current_organisation": membership.organisation if membership else None,
        "user_memberships": others,
        "can": _PermView(membership.role if membership else None),
    }

from __future__ import annotations

from apps.accounts.models import Membership
from apps.accounts.roles import Perm, role_allows


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
    return {
        "current_membership": membership,
        "current_organisation": membership.organisation if membership else None,
        "user_memberships": others,
        "can": _PermView(membership.role if membership else None),
    }

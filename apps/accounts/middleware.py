from __future__ import annotations

from apps.accounts.models import Membership

SESSION_KEY = "current_organisation_id"


def current_membership(request) -> Membership | None:
    """The membership for the organisation chosen in the session (else the first one)."""
    if not request.user.is_authenticated:
        return None
    memberships = Membership.objects.select_related("organisation").filter(user=request.user)
    wanted = request.session.get(SESSION_KEY)
    chosen = memberships.filter(organisation_id=wanted).first() if wanted else None
    return chosen or memberships.order_by("organisation__name", "id").first()


class CurrentOrganisationMiddleware:
    """Sets ``request.membership`` and ``request.organisation`` (None when there is none)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(("/sandbox/", "/static/", "/healthz")):
            request.membership = request.organisation = None
        else:
            request.membership = current_membership(request)
            request.organisation = request.membership.organisation if request.membership else None
        return self.get_response(request)

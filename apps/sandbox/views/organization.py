"""``/organization/members`` and ``/organization/settings``."""

from __future__ import annotations

from apps.sandbox.http import ApiError, Caller, endpoint, field, json_body, ok
from apps.sandbox.models import Member, OrganizationSettings
from apps.sandbox.views.common import paginated


def member_json(m: Member) -> dict:
    return {
        "id": m.user_id,
        "email": m.email,
        "first_name": m.first_name,
        "last_name": m.last_name,
        "role": m.role,
    }


@endpoint(auth="management")
def members(request, caller: Caller):
    return paginated(request, caller.account.members.order_by("created_at", "id"), member_json)


@endpoint(auth="management", methods=("GET", "PATCH"))
def settings(request, caller: Caller):
    current, _ = OrganizationSettings.objects.get_or_create(account=caller.account)
    if request.method == "PATCH":
        body = json_body(request)
        if "is_filtered_model_catalog_enabled" not in body:
            raise ApiError(400, "No update fields provided")
        current.is_filtered_model_catalog_enabled = field(
            body, "is_filtered_model_catalog_enabled", bool
        )
        current.save()
    return ok(
        {
            "id": caller.account.id,
            "is_filtered_model_catalog_enabled": current.is_filtered_model_catalog_enabled,
        }
    )

"""Calls about the account itself: the current key, credits, activity."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.views.decorators.debug import sensitive_variables

from apps.gateway import errors
from apps.gateway.addresses import base_url_check
from apps.gateway.core import Credentials, call, credentials_for

if TYPE_CHECKING:
    from apps.accounts.models import Organisation


@sensitive_variables("api_key", "creds")
def management_key_check(base_url: str, api_key: str) -> Any:
    """``GET /key`` with a candidate key; raise unless it is a valid management key.

    Only to an allowed address (:mod:`apps.gateway.addresses`): no other host is asked.
    """
    creds = Credentials(base_url=base_url_check(base_url), api_key=api_key)
    response = call(creds, lambda sdk: sdk.api_keys.get_current_key_metadata())
    data = response.data
    if not data.is_management_key:
        raise errors.NotManagementKey()
    return data


def current_key(organisation: Organisation) -> Any:
    """``GET /key`` for the organisation's stored management key."""
    return call(
        credentials_for(organisation), lambda sdk: sdk.api_keys.get_current_key_metadata()
    ).data


def credits_get(organisation: Organisation) -> Any:
    """``GET /credits`` → ``{total_credits, total_usage}``."""
    return call(credentials_for(organisation), lambda sdk: sdk.credits.get_credits()).data


def activity_list(
    organisation: Organisation,
    *,
    date: str | None = None,
    api_key_hash: str | None = None,
    user_id: str | None = None,
    group_by: str | None = None,
    workspace_id: str | None = None,
) -> list[Any]:
    """``GET /activity``: daily rows for the last 30 completed UTC days.

    ``group_by="workspace"`` splits each row by workspace (rows then carry ``workspace_id``).
    """
    query = {
        "date_": date,
        "api_key_hash": api_key_hash,
        "user_id": user_id,
        "group_by": group_by,
        "workspace_id": workspace_id,
    }
    request = {k: v for k, v in query.items() if v}
    return call(
        credentials_for(organisation), lambda sdk: sdk.analytics.get_user_activity(request=request)
    ).data

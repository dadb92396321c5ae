"""``/key``, ``/credits`` and ``/activity``."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Sum

from apps.sandbox.http import ApiError, Caller, endpoint, iso, ok
from apps.sandbox.lookups import key_by_hash, workspace_by_ref
from apps.sandbox.models import ActivityRecord
from apps.sandbox.policy import KeyPolicy, effective_budget
from apps.sandbox.serializers import ACTIVITY_SUMS, activity_json
from apps.sandbox.usage import key_usage, limit_remaining, total_usage, utc_today

ACTIVITY_DAYS = 30


@endpoint(auth="key")
def current_key(request, caller: Caller):
    """The key's counters plus the policy enforcement applies to it: every budget layer in
    enforcement order, the one that blocks first, and the data regions left after the
    guardrails intersect (``policy.KeyPolicy``, the same numbers enforcement reads)."""
    key = caller.key
    usage = key_usage(caller.account, [key.hash])[key.hash]
    policy = KeyPolicy(caller.account, key)
    budgets = policy.budgets()
    return ok(
        {
            "label": key.label,
            "limit": key.limit,
            "limit_remaining": limit_remaining(key, usage),
            "limit_reset": key.limit_reset,
            "include_byok_in_limit": key.include_byok_in_limit,
            **usage,
            "is_free_tier": False,
            "is_management_key": key.is_management,
            "is_provisioning_key": key.is_management,
            "creator_user_id": key.creator_user_id,
            "organization_id": caller.account.id,
            "workspace_id": str(key.workspace_id),
            "expires_at": iso(key.expires_at),
            "rate_limit": {"requests": -1, "interval": "10s", "note": "This field is deprecated."},
            "free_model_daily_requests": {"limit": 1000, "used": 0, "remaining": 1000},
            "allowed_data_regions": policy.allowed_regions(),
            "budgets": budgets,
            "effective_budget": effective_budget(budgets),
        }
    )


@endpoint(auth="management")
def credits(request, caller: Caller):
    return ok(
        {
            "total_credits": round(float(caller.account.total_credits), 6),
            "total_usage": round(total_usage(caller.account), 6),
        }
    )


def _activity_window() -> tuple[date, date]:
    """The last 30 completed UTC days: today is excluded."""
    today = utc_today()
    return today - timedelta(days=ACTIVITY_DAYS), today - timedelta(days=1)


@endpoint(auth="management")
def activity(request, caller: Caller):
    first, last = _activity_window()
    rows = ActivityRecord.objects.filter(account=caller.account, date__range=(first, last))
    if raw_date := request.GET.get("date"):
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            raise ApiError(400, "date must be in YYYY-MM-DD format") from None
        if not first <= day <= last:
            raise ApiError(400, "date must be within the last 30 completed UTC days")
        rows = rows.filter(date=day)
    if key_hash := request.GET.get("api_key_hash"):
        rows = rows.filter(key_hash=key_by_hash(caller.account, key_hash).hash)
    if user_id := request.GET.get("user_id"):
        if not caller.account.members.filter(user_id=user_id).exists():
            raise ApiError(404, "User not found in this organization")
        rows = rows.filter(user_id=user_id)
    if workspace_ref := request.GET.get("workspace_id"):
        rows = rows.filter(workspace=workspace_by_ref(caller.account, workspace_ref))
    group_by = request.GET.get("group_by")
    if group_by not in (None, "", "workspace"):
        raise ApiError(400, "group_by must be one of: workspace")
    keys = ["date", "model", "model_permaslug", "endpoint_id", "provider_name"]
    if group_by == "workspace":
        keys.append("workspace_id")
    grouped = (
        rows.values(*keys)
        .annotate(**{name: Sum(name) for name in ACTIVITY_SUMS})
        .order_by("-date", "model_permaslug", "endpoint_id", *keys[5:])
    )
    return ok([activity_json(row, with_workspace=group_by == "workspace") for row in grouped])

"""``/workspaces`` (list; the rest of the workspace API comes with the full sandbox)."""

from __future__ import annotations

from django.http import JsonResponse

from apps.sandbox.http import Caller, endpoint, offset_limit
from apps.sandbox.models import Workspace
from apps.sandbox.serializers import workspace_json


@endpoint(auth="management")
def workspaces_collection(request, caller: Caller):
    offset, limit = offset_limit(request)
    workspaces = Workspace.objects.filter(account=caller.account).order_by("created_at", "id")
    total = workspaces.count()
    page = workspaces[offset : offset + limit]
    return JsonResponse({"data": [workspace_json(ws) for ws in page], "total_count": total})

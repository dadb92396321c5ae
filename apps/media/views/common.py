"""Helpers shared by the media views: who is looking, and the one lookup per object."""

from __future__ import annotations

from django.http import Http404, HttpRequest, StreamingHttpResponse

from apps.accounts.access import get_for_org
from apps.accounts.roles import Perm
from apps.core.kit import can
from apps.media.models import LISTED, MediaFile, VideoJob
from apps.media.selectors import Viewer


def viewer_of(request: HttpRequest) -> Viewer:
    return Viewer(
        user=request.user,
        see_all=can(request, Perm.VIEW_ALL_MEDIA),
        see_costs=can(request, Perm.VIEW_MEDIA_COSTS),
    )


def job_for(request: HttpRequest, pk: int) -> VideoJob:
    """A job of this organisation the person may see (another's, or another org's: 404)."""
    job = get_for_org(request, VideoJob, pk=pk, status__in=LISTED)
    if not viewer_of(request).org_wide and job.owner_id != request.user.pk:
        raise Http404("No such job.")
    return job


def file_for(request: HttpRequest, pk: int) -> MediaFile:
    row = get_for_org(request, MediaFile, pk=pk)
    if not can(request, Perm.VIEW_ALL_MEDIA) and row.uploaded_by_id != request.user.pk:
        raise Http404("No such file.")
    return row


def stream(content_type: str, chunks, *, filename: str, download: bool) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=content_type)
    disposition = "attachment" if download else "inline"
    safe = "".join(c for c in filename if c.isalnum() or c in "._-") or "download"
    response["Content-Disposition"] = f'{disposition}; filename="{safe}"'
    response["Cache-Control"] = "private, no-store"
    return response

"""Reads for the media pages, always scoped to the organisation and to what the person may see.

Who sees which job: people who see every job (``VIEW_ALL_MEDIA``, admins) or every cost
(``VIEW_MEDIA_COSTS``, finance) see the organisation's jobs; everyone else their own. The
same rule holds for generations; files are seen by their uploader, or by admins.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from apps.media.models import ACTIVE, LISTED, Generation, MediaFile, VideoJob, VideoModel

PAGE = 25


@dataclass(frozen=True)
class Viewer:
    user: object
    see_all: bool  # every person's jobs, files, generations (with their content)
    see_costs: bool  # every job's and generation's cost (finance: no prompts, no content)

    @property
    def org_wide(self) -> bool:
        return self.see_all or self.see_costs

    def may_see_content(self, owner_id: int | None) -> bool:
        return self.see_all or owner_id == self.user.pk


def jobs_visible(organisation, viewer: Viewer) -> QuerySet[VideoJob]:
    jobs = VideoJob.objects.filter(organisation=organisation, status__in=LISTED)
    return jobs if viewer.org_wide else jobs.filter(owner=viewer.user)


def jobs_page(
    organisation, viewer: Viewer, *, status: str = "", mine: bool = False, before: int | None = None
):
    """Newest first, ``PAGE`` at a time (keyset on id); answers ``(jobs, next cursor)``."""
    jobs = jobs_visible(organisation, viewer)
    if status == "active":
        jobs = jobs.filter(status__in=ACTIVE)
    elif status:
        jobs = jobs.filter(status=status)
    if mine:
        jobs = jobs.filter(owner=viewer.user)
    if before:
        jobs = jobs.filter(pk__lt=before)
    rows = list(jobs.order_by("-pk")[: PAGE + 1])
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return rows, (rows[-1].pk if more else None)


def any_active(jobs) -> bool:
    return any(job.is_active or job.status == "submitting" for job in jobs)


def video_models(organisation) -> list[VideoModel]:
    return list(VideoModel.objects.filter(organisation=organisation).order_by("name"))


def video_model(organisation, model_id: str) -> VideoModel | None:
    return VideoModel.objects.filter(organisation=organisation, model_id=model_id).first()


def files_visible(organisation, viewer: Viewer) -> QuerySet[MediaFile]:
    files = MediaFile.objects.filter(organisation=organisation)
    return files if viewer.see_all else files.filter(uploaded_by=viewer.user)


def files_page(organisation, viewer: Viewer, *, workspace: str | None = None, after: str = ""):
    files = files_visible(organisation, viewer)
    if workspace is not None:
        files = files.filter(workspace_id=workspace)
    if after:
        try:
            pivot = files.get(pk=int(after))
        except (ValueError, MediaFile.DoesNotExist):
            pivot = None
        if pivot is not None:
            files = files.filter(
                Q(created_at__lt=pivot.created_at) | Q(created_at=pivot.created_at, pk__lt=pivot.pk)
            )
    rows = list(files.order_by("-created_at", "-pk")[: PAGE + 1])
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return rows, (rows[-1].pk if more else None)


def generations_visible(organisation, viewer: Viewer) -> QuerySet[Generation]:
    rows = Generation.objects.filter(organisation=organisation).exclude(data={})
    if viewer.org_wide:
        return rows
    return rows.filter(Q(owner=viewer.user) | Q(looked_up_by=viewer.user)).distinct()


def jobs_of_generation(organisation, generation_id: str) -> list[VideoJob]:
    return list(VideoJob.objects.filter(organisation=organisation, generation_id=generation_id))

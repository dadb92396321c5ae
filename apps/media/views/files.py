"""File pages: the list (per workspace, from the mirror), upload, details, download, delete."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.access import org_view
from apps.accounts.roles import Perm
from apps.audit.context import Actor
from apps.core.errors import ConsoleError
from apps.core.kit import can, finish, form_fail, refuse, render_form, render_page
from apps.media import forms, selectors
from apps.media.services import files as services
from apps.media.syncs import FILES_STREAM
from apps.media.views.common import file_for, stream, viewer_of
from apps.syncs.selectors import stream_status
from apps.workspaces.selectors import workspace_choices, workspace_names


def _list_context(request: HttpRequest, upload_form=None) -> dict:
    organisation = request.organisation
    workspace = request.GET.get("workspace")
    rows, more = selectors.files_page(
        organisation,
        viewer_of(request),
        workspace=workspace if workspace not in (None, "all") else None,
        after=request.GET.get("after", ""),
    )
    query = request.GET.copy()
    query.pop("after", None)
    workspaces = workspace_choices(organisation)
    return {
        "files": rows,
        "more": more,
        "query": query.urlencode(),
        "workspace": workspace or "all",
        "workspaces": workspaces,
        "names": workspace_names(organisation),
        "filters_active": workspace not in (None, "", "all"),
        "sync": stream_status(organisation, FILES_STREAM),
        "upload_form": upload_form or forms.UploadForm(workspaces=workspaces),
        "see_all": can(request, Perm.VIEW_ALL_MEDIA),
    }


@org_view(Perm.USE_INFERENCE)
@require_GET
def file_list(request: HttpRequest) -> HttpResponse:
    context = _list_context(request)
    return render_page(request, "media/files.html", context, partial="results", more="rows")


@org_view(Perm.USE_INFERENCE)
@require_POST
def file_upload(request: HttpRequest) -> HttpResponse:
    form = forms.UploadForm(
        request.POST, request.FILES, workspaces=workspace_choices(request.organisation)
    )
    if form.is_valid():
        try:
            row = services.file_upload(
                Actor.from_request(request),
                workspace_id=form.cleaned_data["workspace_id"],
                upload=form.cleaned_data["file"],
            )
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            url = reverse("media:file_detail", args=[row.pk])
            return finish(request, url, f"“{row.filename}” was uploaded.")
    context = {**_list_context(request, upload_form=form), "form": form}
    return render_form(request, "media/files.html", context, partial="upload")


@org_view(Perm.USE_INFERENCE)
@require_GET
def file_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = file_for(request, pk)
    names = workspace_names(request.organisation)
    context = {"file": row, "workspace_name": names.get(row.workspace_id, "Default workspace")}
    return render_page(request, "media/file_detail.html", context, partial="detail")


@org_view(Perm.USE_INFERENCE)
@require_GET
def file_download(request: HttpRequest, pk: int) -> HttpResponse:
    row = file_for(request, pk)
    try:
        kind, chunks = services.file_download(Actor.from_request(request), row)
    except ConsoleError as exc:
        return refuse(request, exc, back=reverse("media:file_detail", args=[row.pk]))
    return stream(kind, chunks, filename=row.filename, download=True)


@org_view(Perm.USE_INFERENCE)
@require_http_methods(["GET", "POST"])
def file_delete(request: HttpRequest, pk: int) -> HttpResponse:
    row = file_for(request, pk)
    if request.method == "POST":
        try:
            services.file_delete(Actor.from_request(request), row)
        except ConsoleError as exc:
            return refuse(request, exc, back=reverse("media:file_detail", args=[row.pk]))
        return finish(request, reverse("media:files"), f"“{row.filename}” was deleted.")
    return render_page(request, "media/file_delete.html", {"file": row}, partial="modal")

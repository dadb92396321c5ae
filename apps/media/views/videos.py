"""Video job pages: the list (live), submit, add by id, detail (live), content, callback."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.access import org_view
from apps.accounts.models import Organisation
from apps.accounts.roles import Perm
from apps.audit.context import Actor
from apps.core.errors import ConsoleError, Invalid
from apps.core.kit import can, finish, form_fail, refuse, render_form, render_page
from apps.inference.services import session_key_label
from apps.media import forms, selectors
from apps.media.models import JobStatus
from apps.media.services import videos as services
from apps.media.syncs import MODELS_STREAM
from apps.media.views.common import job_for, stream, viewer_of
from apps.syncs.selectors import stream_status


def _list_context(request: HttpRequest, attach_form=None) -> dict:
    viewer = viewer_of(request)
    filters = forms.JobFilterForm(request.GET or None)
    status = mine = None
    if filters.is_valid():
        status, mine = filters.cleaned_data["status"], filters.cleaned_data["mine"]
    jobs, more = selectors.jobs_page(
        request.organisation,
        viewer,
        status=status or "",
        mine=bool(mine),
        before=int(request.GET["before"]) if request.GET.get("before", "").isdigit() else None,
    )
    query = request.GET.copy()
    query.pop("before", None)
    return {
        "jobs": jobs,
        "more": more,
        "query": query.urlencode(),
        "status": status or "",
        "mine": bool(mine),
        "filters_active": bool(status or mine),
        "status_choices": forms.STATUS_FILTERS,
        "live": selectors.any_active(jobs),
        "viewer": viewer,
        "submit": can(request, Perm.USE_INFERENCE),
        "attach_form": attach_form or forms.AttachForm(),
        "has_session_key": bool(session_key_label(request.session, request.organisation)),
    }


@org_view(Perm.VIEW_MEDIA)
@require_GET
def video_list(request: HttpRequest) -> HttpResponse:
    context = _list_context(request)
    return render_page(request, "media/videos.html", context, partial="results", more="rows")


def _new_form(request: HttpRequest, data=None, files=None):
    models = selectors.video_models(request.organisation)
    source = data if data is not None else request.GET
    initial = {"submit_token": forms.new_token(), **request.GET.dict()}
    return forms.VideoForm(
        data, files, models=models, chosen=source.get("model", ""), initial=initial
    )


@org_view(Perm.USE_INFERENCE)
@never_cache
@require_http_methods(["GET", "POST"])
def video_new(request: HttpRequest) -> HttpResponse:
    form = _new_form(request, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.video_submit(
                Actor.from_request(request),
                token=form.cleaned_data["submit_token"],
                request=form.submit_request(),
            )
        except ConsoleError as exc:
            job = (
                selectors.jobs_visible(request.organisation, viewer_of(request))
                .filter(
                    submit_token=form.cleaned_data["submit_token"], status=JobStatus.UNCONFIRMED
                )
                .first()
            )
            if job is not None:
                url = reverse("media:video_detail", args=[job.pk])
                return finish(request, url, exc.user_message, level="warning")
            form_fail(form, exc)
            form.data = form.data.copy()
            form.data["submit_token"] = forms.new_token()  # a refused form may be sent again
        else:
            url = reverse("media:video_detail", args=[job.pk])
            return finish(request, url, "Job submitted. This page follows it as it runs.")
    context = {
        "form": form,
        "sync": stream_status(request.organisation, MODELS_STREAM),
    }
    return render_form(request, "media/video_new.html", context, partial="form")


@org_view(Perm.USE_INFERENCE)
@require_POST
def video_attach(request: HttpRequest) -> HttpResponse:
    form = forms.AttachForm(request.POST)
    if form.is_valid():
        try:
            job = services.video_attach(
                Actor.from_request(request),
                form.cleaned_data["job_id"],
                session=request.session,
                use_session_key=form.cleaned_data["use_session_key"],
            )
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            url = reverse("media:video_detail", args=[job.pk])
            return finish(request, url, "The job was added; the console follows it now.")
    context = _list_context(request, attach_form=form)
    return render_form(request, "media/videos.html", {**context, "form": form}, partial="attach")


@org_view(Perm.VIEW_MEDIA)
@require_GET
def video_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_for(request, pk)
    viewer = viewer_of(request)
    context = {
        "job": job,
        "events": list(job.events.all()),
        "content": viewer.may_see_content(job.owner_id),
        "viewer": viewer,
        "retry": job.status == JobStatus.UNCONFIRMED and job.owner_id == request.user.pk,
    }
    return render_page(request, "media/video_detail.html", context, partial="status")


@org_view(Perm.USE_INFERENCE)
@require_POST
def video_retry(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_for(request, pk)
    back = reverse("media:video_detail", args=[job.pk])
    if job.owner_id != request.user.pk:
        raise Http404("No such job.")
    model = selectors.video_model(request.organisation, job.model)
    try:
        if model is None or job.params.get("frames") or job.params.get("references"):
            raise Invalid("Submit this job again from the form (its images are not kept).")
        retried = services.video_submit_retry(
            Actor.from_request(request), job, services.request_from_job(job, model)
        )
    except ConsoleError as exc:
        return refuse(request, exc, back=back)
    level = "warning" if retried.status == JobStatus.ACCEPTED_UNKNOWN else "success"
    message = retried.error if level == "warning" else "Job submitted."
    return finish(request, back, message, level=level)


@org_view(Perm.VIEW_MEDIA)
@require_GET
def video_content(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_for(request, pk)
    if not viewer_of(request).may_see_content(job.owner_id):
        raise Http404("No such video.")
    back = reverse("media:video_detail", args=[job.pk])
    try:
        kind, chunks = services.video_content(job, int(request.GET.get("index", 0) or 0))
    except (ConsoleError, ValueError) as exc:
        if isinstance(exc, ValueError):
            raise Http404("No such output.") from None
        return refuse(request, exc, back=back)
    return stream(kind, chunks, filename=f"{job.job_id}.mp4", download="download" in request.GET)


@csrf_exempt
@require_POST
def video_callback(request: HttpRequest, slug: str) -> HttpResponse:
    """Upstream's terminal-state callback (signed; idempotent). Public: no session."""
    organisation = get_object_or_404(Organisation, slug=slug)
    try:
        outcome = services.video_callback(
            organisation,
            body=request.body,
            signature=request.headers.get("X-OpenRouter-Signature", ""),
            idempotency_key=request.headers.get("X-OpenRouter-Idempotency-Key", ""),
        )
    except ConsoleError as exc:
        return JsonResponse({"error": exc.user_message}, status=exc.http_status)
    return JsonResponse({"outcome": outcome})

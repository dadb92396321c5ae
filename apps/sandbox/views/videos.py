"""Video jobs: ``POST /videos`` (202), polling, and the finished file's bytes.

A job's status follows its age: pending for the first third of
``SANDBOX_VIDEO_SECONDS``, in progress until it has elapsed, then completed — or
failed, when the prompt contains ``[fail]`` (a hook for testing failure handling).
"""

from __future__ import annotations

import secrets
import string

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from apps.sandbox import media
from apps.sandbox.http import ApiError, Caller, endpoint, field, json_body, query_int
from apps.sandbox.metering import Charge, authorize, record
from apps.sandbox.models import VideoJob
from apps.sandbox.views.inference import _model

RESOLUTIONS = ("360p", "480p", "720p", "768p", "1080p", "1K", "2K", "4K")
ASPECT_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9", "9:21")
_ALNUM = string.ascii_letters + string.digits


def job_status(job: VideoJob) -> str:
    total = float(settings.SANDBOX_VIDEO_SECONDS)
    elapsed = (timezone.now() - job.created_at).total_seconds()
    if total > 0 and elapsed < total / 3:
        return "pending"
    if total > 0 and elapsed < total:
        return "in_progress"
    return "failed" if job.will_fail else "completed"


def job_json(request, job: VideoJob) -> dict:
    url = request.build_absolute_uri(f"{request.path.split('/videos')[0]}/videos/{job.id}")
    data = {"id": job.id, "polling_url": url, "status": job_status(job)}
    if data["status"] == "completed":
        data["generation_id"] = job.generation_id
        data["unsigned_urls"] = [f"{url}/content?index=0"]
        data["usage"] = {"cost": job.cost, "is_byok": False}
    elif data["status"] == "failed":
        data["error"] = "The provider could not render this prompt"
        data["generation_id"] = job.generation_id
    return data


@endpoint(auth="key", methods=("POST",))
def videos_create(request, caller: Caller):
    body = json_body(request)
    model = _model(body, ("video",))
    prompt = field(body, "prompt", str, required=True)
    if not prompt.strip():
        raise ApiError(400, "prompt must not be empty")
    duration = field(body, "duration", int, default=4)
    if not 1 <= duration <= 20:
        raise ApiError(400, "duration must be between 1 and 20 seconds")
    resolution = field(body, "resolution", str, choices=RESOLUTIONS, default="720p")
    aspect = field(body, "aspect_ratio", str, choices=ASPECT_RATIOS, default="16:9")
    callback = field(body, "callback_url", str)
    if callback is not None and not callback.startswith("https://"):
        raise ApiError(400, "callback_url must be an https URL")
    charge = Charge(prompt_tokens=0, completion_tokens=0, units=duration)
    route = authorize(caller, model, charge, request=request, body=body)
    generation = record(
        request,
        caller,
        model,
        charge,
        api_type="video",
        body=body,
        content_input={"prompt": prompt},
        route=route,
    )
    job = VideoJob.objects.create(
        id=f"gen-vid-{int(timezone.now().timestamp())}-{''.join(secrets.choice(_ALNUM) for _ in range(20))}",
        account=caller.account,
        key_hash=caller.key.hash,
        workspace_id=caller.key.workspace_id,
        model=model.id,
        prompt=prompt,
        params={"resolution": resolution, "aspect_ratio": aspect, "callback_url": callback},
        duration_seconds=duration,
        cost=generation.usage,
        generation_id=generation.id,
        will_fail="[fail]" in prompt,
    )
    return JsonResponse(job_json(request, job), status=202)


def _job(caller: Caller, job_id: str) -> VideoJob:
    job = VideoJob.objects.filter(account=caller.account, id=job_id).first()
    if job is None:
        raise ApiError(404, "Video job not found")
    return job


@endpoint(auth="key")
def video_detail(request, caller: Caller, job_id: str):
    return JsonResponse(job_json(request, _job(caller, job_id)))


@endpoint(auth="key")
def video_content(request, caller: Caller, job_id: str):
    job = _job(caller, job_id)
    index = query_int(request, "index", 0, low=0)
    status = job_status(job)
    if status != "completed":
        raise ApiError(400, f"Video job is {status}; content is available once completed")
    if index != 0:
        raise ApiError(400, "index is out of range: this job produced 1 video")
    response = HttpResponse(media.mp4(job.duration_seconds), content_type="video/mp4")
    response["Content-Disposition"] = f'inline; filename="{job.id}.mp4"'
    return response

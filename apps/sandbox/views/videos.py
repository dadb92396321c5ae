"""Video jobs: ``POST /videos`` (202), polling, the finished file's bytes, and callbacks.

A job's status follows its age: pending for the first third of its finish time, in progress
until it has elapsed, then completed — or failed when the prompt contains ``[fail]``, or
expired with ``[expire]`` (hooks for testing failure handling). The finish time is
``SANDBOX_VIDEO_SECONDS`` plus a per-job share of ``SANDBOX_VIDEO_SPREAD_SECONDS``, so a
crowd of jobs finishes over a span, as real ones do. A completed job's stored copy lasts
``SANDBOX_VIDEO_RETENTION_SECONDS`` (``expires_at``); after that the content is a 404.

Each model's ``/videos/models`` entry says what it supports; a submission outside it is a
400, as upstream refuses it, and an image over ``MAX_IMAGE_BYTES`` a 413.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import random
import secrets
import string
from datetime import timedelta

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from apps.sandbox import media
from apps.sandbox.catalog_json import video_model_json
from apps.sandbox.http import ApiError, Caller, endpoint, field, json_body, query_int
from apps.sandbox.metering import Charge, authorize, record
from apps.sandbox.models import VideoJob
from apps.sandbox.views.inference import _model

RESOLUTIONS = ("360p", "480p", "720p", "768p", "1080p", "1K", "2K", "4K")
ASPECT_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9", "9:21")
MAX_PROMPT_CHARS = 8000
MAX_IMAGE_BYTES = 10 * 1024 * 1024
TERMINAL = ("completed", "failed", "cancelled", "expired")
_ALNUM = string.ascii_letters + string.digits


def finish_seconds(job: VideoJob) -> float:
    if job.finish_seconds is not None:
        return job.finish_seconds
    return float(settings.SANDBOX_VIDEO_SECONDS)


def finishes_at(job: VideoJob):
    return job.created_at + timedelta(seconds=finish_seconds(job))


def job_status(job: VideoJob) -> str:
    total = finish_seconds(job)
    elapsed = (timezone.now() - job.created_at).total_seconds()
    if total > 0 and elapsed < total / 3:
        return "pending"
    if total > 0 and elapsed < total:
        return "in_progress"
    if job.will_expire:
        return "expired"
    return "failed" if job.will_fail else "completed"


def content_expires_at(job: VideoJob) -> int:
    retention = float(settings.SANDBOX_VIDEO_RETENTION_SECONDS)
    return int((finishes_at(job) + timedelta(seconds=retention)).timestamp())


def job_json(request, job: VideoJob) -> dict:
    url = request.build_absolute_uri(f"{request.path.split('/videos')[0]}/videos/{job.id}")
    data = {"id": job.id, "polling_url": url, "status": job_status(job)}
    if data["status"] == "completed":
        data["generation_id"] = job.generation_id
        data["unsigned_urls"] = [f"{url}/content?index=0"]
        data["usage"] = {"cost": job.cost, "is_byok": False}
        expires = content_expires_at(job)
        if expires > timezone.now().timestamp():
            data["expires_at"] = expires
    elif data["status"] == "failed":
        data["error"] = "The provider could not render this prompt"
        data["generation_id"] = job.generation_id
    elif data["status"] == "expired":
        data["error"] = "The job expired before the provider finished it"
    return data


def _image_bytes(url: str, what: str) -> int:
    """The decoded size of a ``data:`` image (an https URL is fetched by upstream: 0 here)."""
    if url.startswith("https://"):
        return 0
    if not url.startswith("data:image/") or ";base64," not in url:
        raise ApiError(400, f"{what} must be an https URL or a base64 data:image/… URL")
    payload = url.split(";base64,", 1)[1]
    try:
        return len(base64.b64decode(payload, validate=True))
    except (binascii.Error, ValueError):
        raise ApiError(400, f"{what} is not valid base64") from None


def _check_images(body: dict, supported_frames: list[str]) -> None:
    frames = body.get("frame_images") or []
    if not isinstance(frames, list):
        raise ApiError(400, "frame_images must be an array")
    seen = set()
    for frame in frames:
        kind = frame.get("frame_type") if isinstance(frame, dict) else None
        if kind not in ("first_frame", "last_frame"):
            raise ApiError(400, "frame_images[].frame_type must be first_frame or last_frame")
        if kind not in supported_frames:
            raise ApiError(400, f"This model does not support a {kind.replace('_', ' ')} image")
        if kind in seen:
            raise ApiError(400, f"Only one {kind} image is allowed")
        seen.add(kind)
        url = ((frame.get("image_url") or {}).get("url")) or ""
        if _image_bytes(url, f"The {kind} image") > MAX_IMAGE_BYTES:
            raise ApiError(413, "An image exceeds the 10 MB limit")
    references = body.get("input_references") or []
    if not isinstance(references, list):
        raise ApiError(400, "input_references must be an array")
    for ref in references:
        url = ((ref.get("image_url") or {}).get("url")) if isinstance(ref, dict) else None
        if not url:
            continue  # audio/video references: ignored by these providers
        if _image_bytes(url, "A reference image") > MAX_IMAGE_BYTES:
            raise ApiError(413, "An image exceeds the 10 MB limit")


@endpoint(auth="key", methods=("POST",))
def videos_create(request, caller: Caller):
    body = json_body(request)
    model = _model(body, ("video",))
    caps = video_model_json(model)
    prompt = field(body, "prompt", str, required=True)
    if not prompt.strip():
        raise ApiError(400, "prompt must not be empty")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise ApiError(400, f"prompt must be at most {MAX_PROMPT_CHARS} characters")
    durations = caps["supported_durations"]
    duration = field(body, "duration", int, default=durations[0])
    if duration not in durations:
        allowed = ", ".join(str(d) for d in durations)
        raise ApiError(400, f"duration {duration} is not supported by {model.id} (use {allowed})")
    resolution = field(
        body, "resolution", str, choices=RESOLUTIONS, default=caps["supported_resolutions"][0]
    )
    if resolution not in caps["supported_resolutions"]:
        raise ApiError(400, f"resolution {resolution} is not supported by {model.id}")
    aspect = field(
        body, "aspect_ratio", str, choices=ASPECT_RATIOS, default=caps["supported_aspect_ratios"][0]
    )
    if aspect not in caps["supported_aspect_ratios"]:
        raise ApiError(400, f"aspect_ratio {aspect} is not supported by {model.id}")
    if field(body, "size", str) is not None and not caps["supported_sizes"]:
        raise ApiError(400, f"size is not supported by {model.id}: use resolution and aspect_ratio")
    if field(body, "generate_audio", bool) and not caps["generate_audio"]:
        raise ApiError(400, f"{model.id} cannot generate audio")
    if field(body, "seed", int) is not None and not caps["seed"]:
        raise ApiError(400, f"seed is not supported by {model.id}")
    _check_images(body, caps["supported_frame_images"])
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
    spread = float(settings.SANDBOX_VIDEO_SPREAD_SECONDS)
    job = VideoJob.objects.create(
        id=f"gen-vid-{int(timezone.now().timestamp())}-{''.join(secrets.choice(_ALNUM) for _ in range(20))}",
        account=caller.account,
        key_hash=caller.key.hash,
        workspace_id=caller.key.workspace_id,
        model=model.id,
        prompt=prompt,
        params={
            "resolution": resolution,
            "aspect_ratio": aspect,
            "callback_url": callback,
            "generate_audio": bool(body.get("generate_audio")),
            "seed": body.get("seed"),
        },
        duration_seconds=duration,
        cost=generation.usage,
        generation_id=generation.id,
        will_fail="[fail]" in prompt,
        will_expire="[expire]" in prompt,
        finish_seconds=float(settings.SANDBOX_VIDEO_SECONDS)
        + (random.uniform(0, spread) if spread > 0 else 0.0),
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
    if content_expires_at(job) <= timezone.now().timestamp():
        raise ApiError(404, "The stored video has expired")
    response = HttpResponse(media.mp4(job.duration_seconds), content_type="video/mp4")
    response["Content-Disposition"] = f'inline; filename="{job.id}.mp4"'
    return response


# --- callbacks (semantics §3.14) -----------------------------------------------------------------


def callback_secret(account_id: str) -> str:
    """The account's webhook signing secret (upstream shows it in the workspace settings)."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:callbacks:{account_id}".encode()).hexdigest()
    return f"whsec_{digest[:40]}"


def callback_payload(job: VideoJob, base_url: str) -> tuple[bytes, dict[str, str]]:
    """The body and headers upstream POSTs to ``callback_url`` when ``job`` is terminal."""
    status = job_status(job)
    url = f"{base_url.rstrip('/')}/videos/{job.id}"
    data: dict = {"id": job.id, "status": status, "model": job.model}
    if status in ("completed", "failed"):
        data["generation_id"] = job.generation_id
    if status == "completed":
        data["unsigned_urls"] = [f"{url}/content?index=0"]
        data["usage"] = {"cost": job.cost, "is_byok": False}
    elif status in ("failed", "expired"):
        data["error"] = (
            "The provider could not render this prompt"
            if status == "failed"
            else "The job expired before the provider finished it"
        )
    body = json.dumps(
        {
            "type": f"video.generation.{status}",
            "created_at": timezone.now().isoformat(),
            "data": data,
        }
    ).encode()
    stamp = str(int(timezone.now().timestamp()))
    signature = hmac.new(
        callback_secret(job.account_id).encode(), stamp.encode() + b"," + body, hashlib.sha256
    ).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "X-OpenRouter-Signature": f"t={stamp},v1={signature}",
        "X-OpenRouter-Idempotency-Key": f"{job.id}-{status}",
    }
    return body, headers


def callbacks_due() -> list[VideoJob]:
    """Terminal jobs with a ``callback_url`` whose callback has not been sent yet."""
    waiting = VideoJob.objects.filter(callback_sent_at__isnull=True).exclude(
        params__callback_url=None
    )
    return [
        job for job in waiting if job.params.get("callback_url") and job_status(job) in TERMINAL
    ]

"""Writes on video jobs: submit (once), add by id, apply a status, fetch the content, callbacks.

Submitting is the one place a job is made upstream, so it guards against doing it twice:
the form carries a ``submit_token`` and the row it claims is unique per organisation (a
double click or a resent form finds the first row and sends nothing); a timeout or an
ambiguous failure leaves the row *unconfirmed* and is never resent by itself — a retry first
checks the key's usage (``GET /key``) and resends only if upstream did not charge for it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from apps.audit.context import Actor
from apps.audit.services import audit_record
from apps.core.errors import Conflict, Invalid, NotAllowed
from apps.core.fields import reveal
from apps.gateway import errors as upstream
from apps.gateway import inference as gateway_inference
from apps.gateway import videos as gateway_videos
from apps.inference import services as inference
from apps.inference.models import ConsoleKey
from apps.media.models import (
    TERMINAL,
    CallbackReceipt,
    JobStatus,
    VideoJob,
    VideoJobEvent,
    VideoModel,
)

logger = logging.getLogger(__name__)
TARGET = "video_job"
# A failure after which the job may or may not exist upstream.
_AMBIGUOUS_STATUSES = {408, 500, 502, 504, 520, 524, 529}
CALLBACK_TOLERANCE = 300  # seconds a callback's signature timestamp may be off


@dataclass(frozen=True)
class SubmitRequest:
    model: VideoModel
    prompt: str
    duration: int
    resolution: str = ""
    aspect_ratio: str = ""
    generate_audio: bool | None = None
    seed: int | None = None
    frame_images: tuple = ()  # ({"type", "image_url": {"url"}, "frame_type"}, …)
    input_references: tuple = ()

    def params(self) -> dict:
        return {
            "duration": self.duration,
            "resolution": self.resolution,
            "aspect_ratio": self.aspect_ratio,
            "generate_audio": self.generate_audio,
            "seed": self.seed,
            "frames": [f["frame_type"] for f in self.frame_images],
            "references": len(self.input_references),
        }


def request_from_job(job: VideoJob, model: VideoModel) -> SubmitRequest:
    """What was sent for ``job`` (without images, which the console does not keep)."""
    params = job.params or {}
    return SubmitRequest(
        model=model,
        prompt=job.prompt,
        duration=int(params.get("duration") or (model.durations or [4])[0]),
        resolution=params.get("resolution") or "",
        aspect_ratio=params.get("aspect_ratio") or "",
        generate_audio=params.get("generate_audio"),
        seed=params.get("seed"),
    )


def estimate_cost(model: VideoModel, duration: int) -> float | None:
    price = model.price_per_second
    return None if price is None else round(price * duration, 6)


def _poll_delay(polls: int) -> float:
    """Seconds until the next poll after ``polls`` polls: a few seconds, backing off to ~30."""
    low = settings.VIDEO_POLL_MIN_SECONDS
    return min(settings.VIDEO_POLL_MAX_SECONDS, low * 1.5**polls)


def _callback_url(organisation) -> str | None:
    base = settings.VIDEO_CALLBACK_BASE_URL
    if not base.startswith("https://"):
        return None
    if not inference.inference_settings(organisation).callback_secret:
        return None
    return base.rstrip("/") + reverse("media:video_callback", args=[organisation.slug])


def _ambiguous(exc: upstream.UpstreamError) -> bool:
    if isinstance(exc, upstream.UpstreamTimeout):
        return True
    if isinstance(exc, upstream.UpstreamUnavailable) and exc.status is None:
        return True  # the connection failed: the request may have arrived
    return exc.status in _AMBIGUOUS_STATUSES


def _event(job: VideoJob, status: str, source: str, message: str = "", at=None) -> None:
    VideoJobEvent.objects.bulk_create(
        [
            VideoJobEvent(
                job=job,
                status=status,
                source=source,
                message=message[:500],
                at=at or timezone.now(),
            )
        ],
        ignore_conflicts=True,  # one entry per status, however often it is reported
    )


def _audit(actor: Actor, action: str, job: VideoJob, **after) -> None:
    audit_record(
        actor,
        action=action,
        target_type=TARGET,
        target_id=job.job_id or str(job.pk),
        target_label=job.model,
        after={"model": job.model, "params": job.params, **after},
    )


def _claim(actor: Actor, token: uuid.UUID, request: SubmitRequest) -> tuple[VideoJob, bool]:
    organisation = actor.organisation
    try:
        with transaction.atomic():
            return VideoJob.objects.create(
                organisation=organisation,
                owner=actor.user,
                owner_label=actor.label,
                submit_token=token,
                model=request.model.model_id,
                prompt=request.prompt,
                params=request.params(),
                estimated_cost=estimate_cost(request.model, request.duration),
            ), True
    except IntegrityError:
        return VideoJob.objects.get(organisation=organisation, submit_token=token), False


def video_submit(actor: Actor, *, token: uuid.UUID, request: SubmitRequest) -> VideoJob:
    """Send a job upstream once for ``token``; answer the job (new, or the one already made)."""
    job, created = _claim(actor, token, request)
    if not created:
        if job.owner_id != (actor.user.pk if actor.user else None):
            raise NotAllowed("This form was already used by someone else.")
        if job.status == JobStatus.REFUSED:
            raise Conflict("That submission was refused; change it and submit again.")
        return job  # a double click or a resent form: the first submission stands
    key = inference.inference_key_for(actor)
    try:
        before = gateway_inference.key_current(key.creds)
    except upstream.UpstreamError as exc:
        _refused(job, exc)
        raise
    VideoJob.objects.filter(pk=job.pk).update(
        usage_before=float(before.usage or 0), key_hash=key.key_hash, key_label=key.label
    )
    job.refresh_from_db()
    return _send(actor, job, request, key)


def _send(actor: Actor, job: VideoJob, request: SubmitRequest, key) -> VideoJob:
    try:
        answer = gateway_videos.video_submit(
            key.creds,
            model=request.model.model_id,
            prompt=request.prompt,
            duration=request.duration,
            resolution=request.resolution or None,
            aspect_ratio=request.aspect_ratio or None,
            generate_audio=request.generate_audio,
            seed=request.seed,
            frame_images=list(request.frame_images) or None,
            input_references=list(request.input_references) or None,
            callback_url=_callback_url(actor.organisation),
        )
    except upstream.UpstreamError as exc:
        if _ambiguous(exc):
            _unconfirmed(job, exc)
            raise upstream.UpstreamTimeout(
                "OpenRouter did not confirm the job. It may have been made: the console will "
                "not send it again by itself. Use “Check and retry” on the job.",
                status=exc.status,
                request_id=exc.request_id,
            ) from None
        _refused(job, exc)
        raise
    now = timezone.now()
    status = str(answer.status)
    with transaction.atomic():
        VideoJob.objects.filter(pk=job.pk).update(
            job_id=answer.id,
            status=status if status in JobStatus.values else JobStatus.PENDING,
            error="",
            updated_at=now,
            next_poll_at=now + _seconds(_poll_delay(0)),
        )
        job.refresh_from_db()
        _event(job, job.status, "submit")
        _audit(actor, "video.submit", job, estimated_cost=job.estimated_cost, key=key.label)
    if status in TERMINAL:
        apply_status(job, answer, source="submit")
    return job


def _refused(job: VideoJob, exc: upstream.UpstreamError) -> None:
    VideoJob.objects.filter(pk=job.pk).update(
        status=JobStatus.REFUSED, error=exc.user_message[:500], updated_at=timezone.now()
    )


def _unconfirmed(job: VideoJob, exc: upstream.UpstreamError) -> None:
    VideoJob.objects.filter(pk=job.pk).update(
        status=JobStatus.UNCONFIRMED,
        error=f"OpenRouter did not confirm this job ({exc.message}). It may exist upstream."[:500],
        updated_at=timezone.now(),
    )


def video_submit_retry(actor: Actor, job: VideoJob, request: SubmitRequest) -> VideoJob:
    """Resend an unconfirmed job only if upstream did not charge for the first attempt."""
    claimed = VideoJob.objects.filter(pk=job.pk, status=JobStatus.UNCONFIRMED).update(
        status=JobStatus.SUBMITTING, updated_at=timezone.now()
    )
    if not claimed:
        raise Conflict("This job is not waiting for a retry.")
    job.refresh_from_db()
    key = inference.inference_key_for(actor)
    try:
        now_usage = float(gateway_inference.key_current(key.creds).usage or 0)
    except upstream.UpstreamError:
        VideoJob.objects.filter(pk=job.pk).update(status=JobStatus.UNCONFIRMED)
        raise
    charged = now_usage - float(job.usage_before or 0)
    if job.estimated_cost and charged >= job.estimated_cost * 0.5:
        VideoJob.objects.filter(pk=job.pk).update(
            status=JobStatus.ACCEPTED_UNKNOWN,
            error="OpenRouter charged this key for the job, so it was made, but its id never "
            "reached the console. Paste the job id (from OpenRouter's activity) to follow it.",
        )
        job.refresh_from_db()
        _audit(actor, "video.retry_refused", job, charged=round(charged, 6))
        return job
    return _send(actor, job, request, key)


def _seconds(value: float):
    return timezone.timedelta(seconds=value)


# --- applying what upstream said ---------------------------------------------------------------


def _expiry(value) -> datetime | None:
    if value in (None, 0):
        return None
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def apply_status(job: VideoJob, answer, *, source: str, token: str = "") -> bool:
    """Write one upstream view of the job; ``False`` when the lease was lost meanwhile.

    The history gets one entry per status (a unique constraint), and the terminal state is
    written once (``terminal_at`` is set only while it is still empty).
    """
    now = timezone.now()
    status = str(answer.status)
    if status not in JobStatus.values:
        status = JobStatus.IN_PROGRESS
    changes = {
        "status": status,
        "updated_at": now,
        "last_polled_at": now,
        "last_poll_error": "",
        "error": (answer.error or "")[:500],
        "generation_id": answer.generation_id or job.generation_id,
    }
    if answer.unsigned_urls:
        changes["content_urls"] = list(answer.unsigned_urls)
    if answer.expires_at:
        changes["content_expires_at"] = _expiry(answer.expires_at)
    if answer.usage is not None:
        changes["cost"] = answer.usage.cost
        changes["is_byok"] = bool(answer.usage.is_byok)
    rows = VideoJob.objects.filter(pk=job.pk)
    if token:
        rows = rows.filter(lease_token=token)
    with transaction.atomic():
        if status in TERMINAL:
            won = rows.filter(terminal_at__isnull=True).update(
                terminal_at=now, next_poll_at=None, lease_token="", lease_until=None, **changes
            )
            if not won:
                return rows.exists()  # already terminal (or our lease is gone)
        else:
            changes["next_poll_at"] = now + _seconds(_poll_delay(job.polls))
            if not rows.filter(terminal_at__isnull=True).update(**changes):
                return False
        _event(job, status, source, changes["error"])
    return True


# --- adding a job by id -------------------------------------------------------------------------


def video_attach(actor: Actor, job_id: str, *, session=None, use_session_key: bool) -> VideoJob:
    """Follow a job made elsewhere: looked up with a key the person is entitled to."""
    job_id = job_id.strip()
    if not job_id.startswith("gen-vid-"):
        raise Invalid("A video job id looks like gen-vid-…", field="job_id")
    existing = VideoJob.objects.filter(organisation=actor.organisation, job_id=job_id).first()
    if existing is not None:
        raise Conflict("That job is already in the console.", field="job_id")
    key = inference.inference_key_for(actor, session=session, prefer_session=use_session_key)
    try:
        answer = gateway_videos.video_get(key.creds, job_id)
    except upstream.NotFound:
        raise Invalid(
            "OpenRouter has no video job with that id for this key.", field="job_id"
        ) from None
    now = timezone.now()
    status = str(answer.status) if str(answer.status) in JobStatus.values else JobStatus.PENDING
    with transaction.atomic():
        job = VideoJob.objects.create(
            organisation=actor.organisation,
            owner=actor.user,
            owner_label=actor.label,
            job_id=job_id,
            origin=VideoJob.Origin.PASTED,
            key_hash=key.key_hash,
            key_label=key.label,
            model="",
            status=JobStatus.PENDING if status in TERMINAL else status,
            next_poll_at=now,
        )
        _event(job, job.status, "submit", "added by id")
        _audit(actor, "video.attach", job)
    apply_status(job, answer, source="poll")
    job.refresh_from_db()
    return job


# --- content ------------------------------------------------------------------------------------


def credentials_for_job(job: VideoJob):
    """The key to read a job with: the console key that made it while active, else the
    organisation's service key (reads work with any key of the account)."""
    console_key = ConsoleKey.objects.filter(
        organisation=job.organisation, key_hash=job.key_hash, active=True
    ).first()
    if console_key is None:
        console_key = inference.service_key_for(job.organisation)
    return inference.console_credentials(console_key)


def video_content(job: VideoJob, index: int = 0) -> tuple[str, Iterator[bytes]]:
    """The bytes of one output, through the gateway; marks the job expired on a 404/410."""
    if not job.content_available:
        raise Invalid("This video's content is not available (it expired or never finished).")
    try:
        return gateway_videos.video_content(credentials_for_job(job), job.job_id, index)
    except (upstream.NotFound, upstream.UpstreamError) as exc:
        if exc.status in (404, 410):
            VideoJob.objects.filter(pk=job.pk).update(content_expired=True)
            raise Invalid(
                "The stored video has expired upstream; it can no longer be played."
            ) from None
        raise


# --- callbacks ----------------------------------------------------------------------------------


def _signature_ok(secret: str, header: str, body: bytes, now: float) -> bool:
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    stamp, signature = parts.get("t", ""), parts.get("v1", "")
    if not stamp.isdigit() or abs(now - int(stamp)) > CALLBACK_TOLERANCE:
        return False
    expected = hmac.new(secret.encode(), stamp.encode() + b"," + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


@dataclass
class JobView:
    """A job's state from elsewhere than ``GET /videos/{id}`` (a callback, a 404), shaped
    like the SDK's job object in the fields :func:`apply_status` reads."""

    status: str
    error: str | None = None
    generation_id: str | None = None
    unsigned_urls: list | None = None
    expires_at: int | None = None
    usage: object | None = None


@dataclass
class _Usage:
    cost: float | None
    is_byok: bool


def video_callback(organisation, *, body: bytes, signature: str, idempotency_key: str) -> str:
    """Verify and apply one callback; answers "applied", "duplicate", "unknown" or raises."""
    secret = inference.inference_settings(organisation).callback_secret
    if not secret or not _signature_ok(reveal(secret), signature, body, time.time()):
        raise NotAllowed("The callback's signature does not verify.")
    try:
        payload = json.loads(body)
        data = payload["data"]
        job_id, status = str(data["id"]), str(data["status"])
    except (ValueError, KeyError, TypeError):
        raise Invalid("The callback's body is not a video job event.") from None
    if not idempotency_key:
        idempotency_key = f"{job_id}-{status}"
    try:
        with transaction.atomic():
            CallbackReceipt.objects.create(
                organisation=organisation, idempotency_key=idempotency_key
            )
    except IntegrityError:
        return "duplicate"
    job = VideoJob.objects.filter(organisation=organisation, job_id=job_id).first()
    if job is None:
        return "unknown"
    usage = data.get("usage")
    answer = JobView(
        status=status,
        error=data.get("error"),
        generation_id=data.get("generation_id"),
        unsigned_urls=data.get("unsigned_urls"),
        expires_at=data.get("expires_at"),
        usage=_Usage(usage.get("cost"), bool(usage.get("is_byok"))) if usage else None,
    )
    apply_status(job, answer, source="callback")
    return "applied"

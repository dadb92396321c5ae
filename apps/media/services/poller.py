"""The video poller: beat dispatches due jobs within each organisation's bound; one task
polls one job under a lease.

- **Due**: a job that is not terminal, whose ``next_poll_at`` has passed and whose lease is
  free (or ran out: its worker died). Nothing else decides, so a restarted worker, a killed
  one or a lost message all resume from the table.
- **Bound**: a token bucket per organisation (:class:`PollBudget`) refills at
  ``VIDEO_POLLS_PER_MINUTE`` minus its burst per minute, so no 60-second window ever holds
  more polls than the bound, however many jobs run. A 429 pauses the whole organisation for
  its ``Retry-After`` (rate limits are per account) and moves the job's next poll past it.
- **Lease**: the dispatcher claims a job with a fresh token and a lease of
  ``VIDEO_LEASE_SECONDS``; the task polls only while the token is still the job's, and
  writes only under it, so no job is polled by two workers at once and a stale redelivery
  does nothing. The terminal state is written once (see ``apply_status``).
"""

from __future__ import annotations

import logging
import math
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.gateway import errors as upstream
from apps.gateway import videos as gateway_videos
from apps.gateway.core import background
from apps.gateway.retry import backoff
from apps.media.models import ACTIVE, JobStatus, PollBudget, VideoJob
from apps.media.services.videos import JobView, apply_status, credentials_for_job

logger = logging.getLogger(__name__)
# The share of the bound that may go at once; the rest refills steadily.
BURST_SHARE = 0.1


def _bucket_shape() -> tuple[float, float]:
    """``(capacity, refill per second)`` so that capacity + 60 s of refill = the bound."""
    bound = max(1, settings.VIDEO_POLLS_PER_MINUTE)
    capacity = max(1.0, math.floor(bound * BURST_SHARE))
    return capacity, max(0.0, (bound - capacity) / 60.0)


def budget_take(organisation_id: int, wanted: int, now: datetime) -> int:
    """Take up to ``wanted`` poll tokens for one organisation; answers how many it got."""
    if wanted <= 0:
        return 0
    capacity, rate = _bucket_shape()
    with transaction.atomic():
        budget, _ = PollBudget.objects.select_for_update().get_or_create(
            organisation_id=organisation_id, defaults={"tokens": capacity, "refilled_at": now}
        )
        if budget.paused_until and budget.paused_until > now:
            return 0
        elapsed = max(0.0, (now - budget.refilled_at).total_seconds())
        tokens = min(capacity, budget.tokens + elapsed * rate)
        granted = min(wanted, int(tokens))
        PollBudget.objects.filter(pk=budget.pk).update(
            tokens=tokens - granted, refilled_at=now, calls=F("calls") + granted
        )
    return granted


def budget_pause(organisation_id: int, until: datetime) -> None:
    PollBudget.objects.filter(organisation_id=organisation_id).filter(
        Q(paused_until__isnull=True) | Q(paused_until__lt=until)
    ).update(paused_until=until)


def _due(now: datetime):
    return VideoJob.objects.filter(status__in=ACTIVE, next_poll_at__lte=now).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lte=now)
    )


def videos_dispatch(queue, now: datetime | None = None) -> int:
    """Claim due jobs within each organisation's bound and ``queue(job_pk, token)`` each."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.VIDEO_LEASE_SECONDS)
    dispatched = 0
    org_ids = list(_due(now).values_list("organisation_id", flat=True).distinct())
    for org_id in org_ids:
        due = _due(now).filter(organisation_id=org_id)
        # Polls already queued or running for this organisation: never more than the cap, so
        # a slow queue does not fill with polls whose leases run out before they start.
        in_flight = VideoJob.objects.filter(
            organisation_id=org_id, status__in=ACTIVE, lease_until__gt=now
        ).count()
        room = max(0, settings.VIDEO_MAX_IN_FLIGHT - in_flight)
        granted = budget_take(org_id, min(due.count(), room), now)
        if not granted:
            continue
        for pk in list(due.order_by("next_poll_at", "pk").values_list("pk", flat=True)[:granted]):
            token = secrets.token_hex(8)
            claimed = (
                VideoJob.objects.filter(pk=pk, status__in=ACTIVE)
                .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
                .update(lease_token=token, lease_until=now + lease)
            )
            if claimed:
                # The claim is committed (autocommit) before the task can look for it.
                queue(pk, token)
                dispatched += 1
    return dispatched


def _release(job_pk: int, token: str, *, next_in: float, error: str = "") -> None:
    now = timezone.now()
    VideoJob.objects.filter(pk=job_pk, lease_token=token).update(
        lease_token="",
        lease_until=None,
        next_poll_at=now + timedelta(seconds=next_in),
        last_polled_at=now,
        last_poll_error=error[:300],
    )


def job_poll(job_pk: int, token: str) -> str:
    """Poll one job once, if ``token`` still holds its lease. Never raises for upstream."""
    now = timezone.now()
    job = (
        VideoJob.objects.select_related("organisation")
        .filter(pk=job_pk, lease_token=token, lease_until__gt=now, status__in=ACTIVE)
        .first()
    )
    if job is None:
        return "stale"  # another poll took over, the job finished, or the lease ran out
    VideoJob.objects.filter(pk=job.pk, lease_token=token).update(polls=F("polls") + 1)
    job.polls += 1
    try:
        creds = credentials_for_job(job)
        with background(lambda: None):
            answer = gateway_videos.video_get(creds, job.job_id)
    except upstream.NotFound:
        gone = JobView(JobStatus.FAILED, error="OpenRouter no longer knows this job.")
        apply_status(job, gone, source="poll", token=token)
        return "gone"
    except upstream.UpstreamError as exc:
        wait = exc.retry_after
        if exc.status == 429:
            wait = wait if wait is not None else settings.VIDEO_POLL_MAX_SECONDS
            budget_pause(job.organisation_id, timezone.now() + timedelta(seconds=wait))
        if wait is None:
            wait = backoff(
                min(job.polls, 6),
                retry_after=None,
                base=settings.VIDEO_POLL_MIN_SECONDS,
                cap=settings.VIDEO_POLL_MAX_SECONDS,
            )
        _release(job.pk, token, next_in=wait, error=exc.user_message)
        logger.info("video poll of %s deferred %.1f s: %s", job.job_id, wait, exc.message)
        return "deferred"
    if not apply_status(job, answer, source="poll", token=token):
        return "lost"
    VideoJob.objects.filter(pk=job.pk, lease_token=token).update(lease_token="", lease_until=None)
    return str(answer.status)


def poll_now(job: VideoJob) -> None:
    """Bring a job's next poll forward (after a person asks), within the same bound."""
    VideoJob.objects.filter(pk=job.pk, status__in=ACTIVE).update(next_poll_at=timezone.now())

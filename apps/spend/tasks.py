"""Celery tasks: thin, take ids, one (organisation, stream) each, retry honouring Retry-After."""

from __future__ import annotations

import random

from celery import shared_task

from apps.accounts.models import Organisation
from apps.gateway.errors import UpstreamError
from apps.spend.models import Stream
from apps.spend.sync import stream_run

MAX_RETRIES = 5
BACKOFF_CAP = 600.0


def retry_delay(exc: UpstreamError, attempt: int) -> float:
    """Never sooner than upstream's Retry-After; otherwise capped exponential backoff."""
    backoff = min(BACKOFF_CAP, 30.0 * 2**attempt) * random.uniform(0.5, 1.0)  # noqa: S311
    if exc.retry_after is not None:
        return max(exc.retry_after, backoff if exc.status != 429 else 0) + 1.0
    return backoff


def _retryable(exc: UpstreamError) -> bool:
    return exc.status is None or exc.status in (408, 429) or exc.status >= 500


@shared_task(bind=True, ignore_result=True, max_retries=MAX_RETRIES, acks_late=True)
def spend_sync(self, organisation_id: int, stream: str) -> str:
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None or not organisation.is_connected:
        return "skipped"
    run = stream_run(organisation, stream)
    if run.exc is not None and _retryable(run.exc) and self.request.retries < MAX_RETRIES:
        raise self.retry(countdown=retry_delay(run.exc, self.request.retries), exc=run.exc)
    return run.outcome


@shared_task(ignore_result=True)
def spend_sync_all(stream: str) -> int:
    if stream not in Stream.values:
        raise ValueError(f"unknown stream {stream!r}")
    ids = list(Organisation.objects.exclude(management_key="").values_list("pk", flat=True))
    for organisation_id in ids:
        spend_sync.delay(organisation_id, stream)
    return len(ids)

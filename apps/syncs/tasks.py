"""The sync tasks: one per (organisation, stream) run, and the schedule's dispatcher.

A failed run that upstream may serve later (429, 5xx, timeout) is retried by rescheduling
the task with a countdown from the one retry policy (``Retry-After`` when given), so no
worker slot sleeps on upstream's behalf. ``acks_late`` with ``reject_on_worker_lost``
redelivers a task whose worker died; the stream's lease lets it start within a minute.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from apps.accounts.models import Organisation
from apps.gateway.retry import backoff
from apps.syncs import runner, services
from apps.syncs.models import SyncRun


@shared_task(
    bind=True,
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # bounded below by SYNC_MAX_RETRIES
)
def sync_stream(self, organisation_id: int, stream: str, trigger: str = "schedule") -> str:
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None or not organisation.is_connected:
        return "skipped"
    if self.request.retries:
        trigger = SyncRun.Trigger.RETRY
    outcome = runner.sync_run(organisation, stream, trigger=trigger)
    error = outcome.error
    if _worth_retrying(error, self.request.retries):
        countdown = backoff(
            self.request.retries,
            retry_after=error.retry_after,
            base=settings.SYNC_RETRY_BASE,
            cap=settings.SYNC_RETRY_CAP,
        )
        raise self.retry(countdown=countdown)
    return outcome.run.outcome


def _worth_retrying(error, retries: int) -> bool:
    """A failure that may pass, a wait upstream allows within the cap, tries left.

    A longer Retry-After is honoured by the schedule instead (the run pushed the stream's
    next run past it), never by retrying sooner than asked.
    """
    if error is None or not error.retryable or retries >= settings.SYNC_MAX_RETRIES:
        return False
    return error.retry_after is None or error.retry_after <= settings.SYNC_RETRY_CAP


@shared_task(ignore_result=True)
def syncs_due() -> int:
    return services.syncs_dispatch_due()

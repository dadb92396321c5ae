"""Thin Celery tasks: they take ids and call services."""

from __future__ import annotations

from celery import shared_task

from apps.accounts.models import Organisation
from apps.keys.services import expiry, requests, rotation, sync

SYNC_RETRY_CAP = 300.0


@shared_task(bind=True, ignore_result=True, max_retries=3)
def keys_sync(self, organisation_id: int) -> str:
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None or not organisation.is_connected:
        return "skipped"
    run = sync.keys_sync(organisation)
    if run is None:
        return "locked"
    if run.status == run.Status.FAILED and self.request.retries < self.max_retries:
        # Resume soon (the run kept its cursor), honouring Retry-After, with a cap.
        wait = run.cursor.get("retry_after") or 30 * 2**self.request.retries
        raise self.retry(countdown=min(float(wait), SYNC_RETRY_CAP))
    return run.status


@shared_task(ignore_result=True)
def keys_sync_all() -> int:
    ids = list(Organisation.objects.exclude(management_key="").values_list("pk", flat=True))
    for organisation_id in ids:
        keys_sync.delay(organisation_id)
    return len(ids)


@shared_task(ignore_result=True)
def rotation_finish(rotation_id: int) -> str:
    return rotation.rotation_finish(rotation_id)


@shared_task(ignore_result=True)
def rotations_due() -> int:
    ids = rotation.rotations_due()
    for rotation_id in ids:
        rotation_finish.delay(rotation_id)
    return len(ids)


@shared_task(ignore_result=True)
def reveals_expire() -> int:
    return requests.reveals_expire()


@shared_task(ignore_result=True)
def expiry_warnings_send() -> int:
    return expiry.expiry_warnings_send()

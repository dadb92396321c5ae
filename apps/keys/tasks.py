"""Thin Celery tasks: they take ids and call services. (The keys sync runs as the
``keys`` stream of ``apps.syncs``.)"""

from __future__ import annotations

from celery import shared_task

from apps.keys.services import expiry, requests, rotation


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

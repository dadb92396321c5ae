"""Thin tasks for the video poller: beat dispatches, one task polls one job (ids in)."""

from __future__ import annotations

from celery import shared_task

from apps.media.services import poller


@shared_task(ignore_result=True)
def videos_dispatch() -> int:
    return poller.videos_dispatch(lambda pk, token: video_poll.delay(pk, token))


# acks_late + reject_on_worker_lost: a worker killed mid-poll gives the message back; the
# job's lease (not the message) decides whether it still runs, so nothing polls twice.
@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def video_poll(job_pk: int, token: str) -> str:
    return poller.job_poll(job_pk, token)

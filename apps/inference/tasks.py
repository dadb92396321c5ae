"""Thin tasks: ids in, services do the work."""

from __future__ import annotations

from celery import shared_task

from apps.inference import services
from apps.inference.models import ConsoleKey


@shared_task(bind=True, ignore_result=True, acks_late=True, max_retries=8)
def console_key_delete(self, console_key_id: int) -> bool:
    if not services.console_key_delete_upstream(console_key_id):
        raise self.retry(countdown=min(3600, 60 * 2**self.request.retries))
    return True


@shared_task(ignore_result=True)
def console_keys_cleanup() -> int:
    """Beat: retry deleting retired keys upstream that failed before."""
    pending = list(
        ConsoleKey.objects.filter(active=False, delete_pending=True).values_list("pk", flat=True)
    )
    for pk in pending:
        services.console_key_delete_upstream(pk)
    return len(pending)

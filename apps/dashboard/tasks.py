"""Periodic connection checks: keeps each organisation's status and credits fresh."""

from __future__ import annotations

import logging

from celery import shared_task

from apps.accounts.models import Organisation
from apps.dashboard import services
from apps.gateway.errors import UpstreamError

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def connection_check(organisation_id: int) -> str:
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None or not organisation.is_connected:
        return "skipped"
    try:
        services.connection_check(organisation)
    except UpstreamError as exc:
        logger.warning(
            "connection check failed for organisation %s: %s", organisation_id, exc.message
        )
        return "failed"
    return "ok"


@shared_task(ignore_result=True)
def connection_check_all() -> int:
    ids = list(Organisation.objects.exclude(management_key="").values_list("pk", flat=True))
    for organisation_id in ids:
        connection_check.delay(organisation_id)
    return len(ids)

"""Writes from the spend pages: the organisation's spend settings."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from apps.accounts.models import Organisation
from apps.audit.context import Actor
from apps.audit.services import audit_record
from apps.spend.models import SpendSettings


def spend_settings_update(
    *,
    actor: Actor,
    organisation: Organisation,
    timezone: str,
    low_balance_threshold: Decimal,
    alert_thresholds: str,
) -> SpendSettings:
    with transaction.atomic():
        obj, _ = SpendSettings.objects.select_for_update().get_or_create(organisation=organisation)
        before = {
            "timezone": obj.timezone,
            "low_balance_threshold": str(obj.low_balance_threshold),
            "alert_thresholds": obj.alert_thresholds,
        }
        obj.timezone = timezone
        obj.low_balance_threshold = low_balance_threshold
        obj.alert_thresholds = alert_thresholds
        obj.save()
        after = {
            "timezone": timezone,
            "low_balance_threshold": str(low_balance_threshold),
            "alert_thresholds": alert_thresholds,
        }
        audit_record(
            actor,
            action="spend.settings_update",
            target_type="organisation",
            target_id=str(organisation.pk),
            before=before,
            after=after,
        )
    return obj

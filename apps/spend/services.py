"""Writes from the spend pages: settings, and asking for a sync now."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from apps.accounts.models import Organisation
from apps.audit.context import Actor
from apps.audit.services import audit_record
from apps.spend.models import SpendSettings, Stream, UpstreamIdentity


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


def sync_request(*, organisation: Organisation, streams: list[str] | None = None) -> list[str]:
    """Queue a sync of each stream once the current transaction commits."""
    from apps.spend.tasks import spend_sync

    chosen = streams or list(Stream.values)
    for stream in chosen:
        transaction.on_commit(lambda s=stream: spend_sync.delay(organisation.pk, s))
    return chosen


def identity_set(
    *, actor: Actor, organisation: Organisation, user, upstream_user_id: str
) -> UpstreamIdentity | None:
    """Say which upstream user a console member is (their keys are the ones they created)."""
    with transaction.atomic():
        current = UpstreamIdentity.objects.filter(organisation=organisation, user=user).first()
        before = {"upstream_user_id": current.upstream_user_id if current else ""}
        if not upstream_user_id:
            UpstreamIdentity.objects.filter(organisation=organisation, user=user).delete()
            result = None
        else:
            result, _ = UpstreamIdentity.objects.update_or_create(
                organisation=organisation,
                user=user,
                defaults={"upstream_user_id": upstream_user_id},
            )
        audit_record(
            actor,
            action="spend.identity_set",
            target_type="user",
            target_id=str(user.pk),
            target_label=user.email,
            before=before,
            after={"upstream_user_id": upstream_user_id},
        )
    return result

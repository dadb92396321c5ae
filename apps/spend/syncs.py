"""The spend streams, registered with the one sync framework, and the alerts that follow."""

from __future__ import annotations

from datetime import timedelta

from apps.accounts.roles import Perm
from apps.spend.services.alerts import alerts_check
from apps.spend.services.sync import activity_sync_run, budgets_sync_run, credits_sync_run
from apps.syncs.registry import Stream, register
from apps.syncs.signals import sync_finished

# Streams whose fresh data can cross an alert threshold (key limits come with the keys).
ALERTING_STREAMS = frozenset({"keys", "credits", "budgets", "activity"})


def _check_alerts(sender, *, organisation, stream: str, run, **kwargs) -> None:
    if run.ok and stream in ALERTING_STREAMS:
        alerts_check(organisation)


def register_streams() -> None:
    register(
        Stream(
            "activity",
            "Activity and key breakdown",
            interval=timedelta(hours=1),
            run=activity_sync_run,
            view_perm=Perm.VIEW_SPEND,
            description="The last 30 UTC days of spend, by model, provider and key.",
        )
    )
    register(
        Stream(
            "credits",
            "Credits",
            interval=timedelta(minutes=5),
            run=credits_sync_run,
            view_perm=Perm.VIEW_SPEND,
        )
    )
    register(
        Stream(
            "budgets",
            "Budgets",
            interval=timedelta(minutes=15),
            run=budgets_sync_run,
            view_perm=Perm.VIEW_SPEND,
            description="Workspace budgets and guardrail budgets with their members.",
        )
    )
    sync_finished.connect(_check_alerts, dispatch_uid="spend.alerts_after_sync")

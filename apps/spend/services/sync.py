"""The spend streams' passes: activity (with the per-key breakdown), credits, budgets.

They run under the one sync framework (``apps.syncs``: lock, resume point, outcome record,
retries); each writes absolute values, so a replayed pass changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Organisation
from apps.gateway import account as gateway_account
from apps.gateway import analytics as gateway_analytics
from apps.gateway import guardrails as gateway_guardrails
from apps.gateway import workspaces as gateway_workspaces
from apps.gateway.errors import UpstreamError
from apps.spend.models import Budget, CreditSnapshot
from apps.spend.services import ingest
from apps.syncs.runner import SyncContext
from apps.workspaces.models import Workspace

logger = logging.getLogger(__name__)

ACTIVITY_DAYS = 30
ANALYTICS_METRICS = ["total_usage", "request_count"]
# The contract allows two dimensions besides the date bucket: the key and the model. The
# member and the workspace of each row come from the key (its creator and its workspace).
ANALYTICS_DIMENSIONS = ["api_key_id", "model"]


# --- activity -----------------------------------------------------------------------------


def activity_window(today: date | None = None) -> list[date]:
    """The last 30 completed UTC days, oldest first."""
    today = today or timezone.now().astimezone(UTC).date()
    return [today - timedelta(days=n) for n in range(ACTIVITY_DAYS, 0, -1)]


def key_breakdown_fetch(organisation: Organisation, days: list[date]) -> list[dict]:
    """One analytics query for the whole window, whatever the number of keys.

    Upstream's default row limit applies (it raises it for time series); an answer marked
    truncated is fetched again in two halves of the time range.
    """

    def fetch(first: date, last: date) -> list[dict]:
        start = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
        end = datetime.combine(last, datetime.max.time().replace(microsecond=0), tzinfo=UTC)
        answer = gateway_analytics.analytics_query(
            organisation,
            metrics=ANALYTICS_METRICS,
            dimensions=ANALYTICS_DIMENSIONS,
            granularity="day",
            start=start,
            end=end,
        )
        if answer.truncated and first < last:
            middle = first + (last - first) // 2
            return fetch(first, middle) + fetch(middle + timedelta(days=1), last)
        if answer.truncated:
            logger.warning("analytics answer truncated for organisation %s", organisation.pk)
        return answer.rows

    return fetch(days[0], days[-1])


def activity_sync(
    organisation: Organisation,
    *,
    today: date | None = None,
    after_day: Callable[[date], None] | None = None,
) -> int:
    """Re-pull the upstream window (late corrections heal) and rewrite it day by day.

    Two upstream calls whatever the number of keys: ``/activity`` for the totals and one
    analytics query for the per-key breakdown. Returns the rows written.
    """
    days = activity_window(today)
    items = gateway_account.activity_list(organisation, group_by="workspace")
    try:
        key_rows = key_breakdown_fetch(organisation, days)
    except UpstreamError as exc:
        activity_apply(organisation, days, items, None, after_day=after_day)
        # Totals healed; keys kept the shares last synced. Failing the run gets the
        # breakdown fetched again.
        exc.message = f"Key breakdown unavailable: {exc.message}"
        raise
    return activity_apply(organisation, days, items, key_rows, after_day=after_day)


def activity_sync_run(ctx: SyncContext) -> None:
    ctx.rows += activity_sync(ctx.organisation, after_day=lambda _day: ctx.heartbeat())
    ctx.message = f"{ctx.rows:,} rows written"


def activity_apply(
    organisation: Organisation,
    days: list[date],
    items: list,
    key_rows: list[dict] | None,
    *,
    after_day: Callable[[date], None] | None = None,
) -> int:
    """Write ``/activity`` items and analytics rows (None: keep the stored key shares)."""
    # A window is up to a few million short-lived, acyclic tuples and row objects: the
    # cyclic collector would rescan them (and the upstream payload) over and over for
    # nothing, a tenth of the ingest time at a year's scale.
    with ingest.cyclic_gc_paused():
        window = set(days)
        activity = [row for row in ingest.activity_rows_parse(items) if row.date in window]
        if key_rows is None:
            key_days = ingest.stored_key_rows(organisation, days)
        else:
            directory = ingest.Directory.load(organisation, activity)
            key_days = [r for r in ingest.key_rows_parse(key_rows, directory) if r.date in window]
        return ingest.window_write(
            organisation,
            days,
            activity,
            key_days,
            after_day=after_day,
            keys_fresh=key_rows is not None,
        )


# --- credits ------------------------------------------------------------------------------


def credits_sync_run(ctx: SyncContext) -> None:
    data = gateway_account.credits_get(ctx.organisation)
    snapshot = CreditSnapshot.objects.create(
        organisation=ctx.organisation,
        taken_at=timezone.now(),
        total_credits=Decimal(str(data.total_credits)),
        total_usage=Decimal(str(data.total_usage)),
    )
    ctx.rows += 1
    ctx.message = f"Balance ${snapshot.balance:,.2f}"


# --- budgets ------------------------------------------------------------------------------


def budgets_sync_run(ctx: SyncContext) -> None:
    """Workspace budgets (one call per mirrored workspace) and guardrail budgets with their
    assigned members."""
    organisation = ctx.organisation
    now = timezone.now()
    found: list[Budget] = []
    for ws in Workspace.objects.filter(organisation=organisation).order_by("name"):
        for b in gateway_workspaces.workspace_budgets_list(organisation, ws.workspace_id):
            found.append(
                Budget(
                    kind=Budget.Kind.WORKSPACE,
                    ref=str(b.id),
                    name=f"{ws.name} ({b.reset_interval or 'lifetime'})",
                    workspace_id=ws.workspace_id,
                    limit_usd=Decimal(str(b.limit_usd)),
                    interval=b.reset_interval or "",
                    include_byok=ws.include_byok_in_budgets,
                )
            )
    members_of: dict[str, list[str]] = {}
    for a in gateway_guardrails.guardrail_member_assignments(organisation):
        members_of.setdefault(str(a.guardrail_id), []).append(str(a.user_id))
    for g in gateway_guardrails.guardrails_list(organisation):
        if g.limit_usd is None:
            continue
        found.append(
            Budget(
                kind=Budget.Kind.GUARDRAIL,
                ref=str(g.id),
                name=g.name,
                workspace_id=str(g.workspace_id or ""),
                limit_usd=Decimal(str(g.limit_usd)),
                interval=g.reset_interval or "",
                include_byok=bool(g.include_byok_in_budgets),
                member_user_ids=sorted(members_of.get(str(g.id), [])),
            )
        )
    with transaction.atomic():
        Budget.objects.filter(organisation=organisation).exclude(
            ref__in=[b.ref for b in found]
        ).delete()
        for b in found:
            Budget.objects.update_or_create(
                organisation=organisation,
                kind=b.kind,
                ref=b.ref,
                defaults={
                    "name": b.name,
                    "workspace_id": b.workspace_id,
                    "limit_usd": b.limit_usd,
                    "interval": b.interval,
                    "include_byok": b.include_byok,
                    "member_user_ids": b.member_user_ids,
                    "synced_at": now,
                },
            )
    ctx.rows += len(found)
    ctx.message = f"{len(found)} budgets"

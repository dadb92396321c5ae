"""Syncing one (organisation, stream) under a lock, recording every run's outcome."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import Organisation
from apps.gateway import account as gateway_account
from apps.gateway import analytics as gateway_analytics
from apps.gateway.errors import UpstreamError
from apps.spend import ingest
from apps.spend.models import (
    CreditSnapshot,
    SpendWorkspace,
    Stream,
    SyncRun,
    SyncState,
    UpstreamIdentity,
    UpstreamMember,
)

logger = logging.getLogger(__name__)

ACTIVITY_DAYS = 30
# How often beat runs each stream; "stale" means older than two of these.
INTERVALS = {
    Stream.ACTIVITY: timedelta(hours=1),
    Stream.CREDITS: timedelta(minutes=5),
    Stream.KEYS: timedelta(minutes=10),
    Stream.BUDGETS: timedelta(minutes=15),
}
# A worker killed mid-run holds the lock at most this long.
LOCK_TTL = timedelta(minutes=15)
ANALYTICS_METRICS = ["total_usage", "request_count"]
# The contract allows two dimensions besides the date bucket: the key and the model. The
# member and the workspace of each row come from the key (its creator and its workspace).
ANALYTICS_DIMENSIONS = ["api_key_id", "model"]


@dataclass
class RunResult:
    rows: int = 0
    calls: int = 0


class SyncLocked(Exception):
    pass


# --- locking ------------------------------------------------------------------------------


def lock_acquire(organisation: Organisation, stream: str, *, now: datetime | None = None) -> str:
    """Take the (organisation, stream) lock or raise ``SyncLocked``; returns the token."""
    now = now or timezone.now()
    SyncState.objects.get_or_create(organisation=organisation, stream=stream)
    token = secrets.token_hex(8)
    taken = (
        SyncState.objects.filter(organisation=organisation, stream=stream)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .update(lock_token=token, locked_until=now + LOCK_TTL, last_started_at=now)
    )
    if not taken:
        raise SyncLocked(f"{stream} sync already running for organisation {organisation.pk}")
    return token


def lock_release(organisation: Organisation, stream: str, token: str) -> None:
    SyncState.objects.filter(organisation=organisation, stream=stream, lock_token=token).update(
        lock_token="", locked_until=None
    )


# --- running ------------------------------------------------------------------------------


def stream_run(organisation: Organisation, stream: str) -> SyncRun:
    """Run one stream once; never raises for upstream trouble (the run records it).

    The returned run carries ``.exc`` (the ``UpstreamError`` or None) so a task can
    decide when to retry.
    """
    started = timezone.now()
    clock = time.perf_counter()
    try:
        token = lock_acquire(organisation, stream, now=started)
    except SyncLocked:
        run = SyncRun.objects.create(
            organisation=organisation,
            stream=stream,
            started_at=started,
            finished_at=started,
            outcome=SyncRun.Outcome.LOCKED,
        )
        run.exc = None
        return run
    result = RunResult()
    error: UpstreamError | None = None
    locked = False
    try:
        RUNNERS[stream](organisation, result)
    except SyncLocked:
        locked = True  # the runner's own lock (the keys app's sync) is held elsewhere
    except UpstreamError as exc:
        error = exc
        logger.warning("spend %s sync failed for %s: %s", stream, organisation.pk, exc.message)
    finally:
        finished = timezone.now()
        state_update = {
            "rows_written": result.rows,
            "next_run_at": finished + INTERVALS[stream],
            "lock_token": "",
            "locked_until": None,
        }
        if error is None and not locked:
            state_update["last_success_at"] = finished
        elif error is not None:
            state_update["last_error_at"] = finished
            state_update["last_error"] = error.user_message[:500]
        SyncState.objects.filter(organisation=organisation, stream=stream, lock_token=token).update(
            **state_update
        )
        lock_release(organisation, stream, token)
    run = SyncRun.objects.create(
        organisation=organisation,
        stream=stream,
        started_at=started,
        finished_at=finished,
        outcome=(
            SyncRun.Outcome.LOCKED
            if locked
            else SyncRun.Outcome.OK
            if error is None
            else SyncRun.Outcome.ERROR
        ),
        rows=result.rows,
        calls=result.calls,
        error=error.user_message[:500] if error else "",
        duration_ms=int((time.perf_counter() - clock) * 1000),
    )
    run.exc = error
    return run


def activity_window(today: date | None = None) -> list[date]:
    """The last 30 completed UTC days, oldest first."""
    today = today or timezone.now().astimezone(UTC).date()
    return [today - timedelta(days=n) for n in range(ACTIVITY_DAYS, 0, -1)]


def key_breakdown_fetch(organisation: Organisation, days: list[date], result: RunResult) -> list:
    """One analytics query for the whole window, whatever the number of keys.

    Upstream's default row limit applies (it raises it for time series); an answer marked
    truncated is fetched again in two halves of the time range.
    """

    def fetch(first: date, last: date) -> list:
        start = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
        end = datetime.combine(last, datetime.max.time().replace(microsecond=0), tzinfo=UTC)
        result.calls += 1
        answer = gateway_analytics.analytics_query(
            organisation,
            metrics=ANALYTICS_METRICS,
            dimensions=ANALYTICS_DIMENSIONS,
            granularity="day",
            start=start,
            end=end,
        )
        if answer["truncated"] and first < last:
            middle = first + (last - first) // 2
            return fetch(first, middle) + fetch(middle + timedelta(days=1), last)
        if answer["truncated"]:
            logger.warning("analytics answer truncated for organisation %s", organisation.pk)
        return answer["rows"]

    return fetch(days[0], days[-1])


def activity_sync(
    organisation: Organisation,
    result: RunResult | None = None,
    *,
    today: date | None = None,
    after_day: Callable[[date], None] | None = None,
) -> RunResult:
    """Re-pull the upstream window (late corrections heal) and rewrite it day by day.

    Two upstream calls whatever the number of keys: ``/activity`` for the totals and one
    analytics query for the per-key breakdown.
    """
    result = result or RunResult()
    days = activity_window(today)
    result.calls += 1
    items = gateway_account.activity_list(organisation, group_by="workspace")
    try:
        key_rows = key_breakdown_fetch(organisation, days, result)
    except UpstreamError as exc:
        activity_apply(organisation, days, items, None, result=result, after_day=after_day)
        # Totals healed; keys kept the shares last synced. Failing the run gets the
        # breakdown fetched again.
        exc.message = f"Key breakdown unavailable: {exc.message}"
        raise
    activity_apply(organisation, days, items, key_rows, result=result, after_day=after_day)
    return result


def activity_apply(
    organisation: Organisation,
    days: list[date],
    items: list,
    key_rows: list[dict] | None,
    *,
    result: RunResult | None = None,
    after_day: Callable[[date], None] | None = None,
) -> int:
    """Write ``/activity`` items and analytics rows (None: keep the stored key shares)."""
    # A window is up to a few million short-lived, acyclic tuples and row objects: the
    # cyclic collector would rescan them (and the upstream payload) over and over for
    # nothing, a tenth of the ingest time at a year's scale.
    with ingest.cyclic_gc_paused():
        return _activity_apply(organisation, days, items, key_rows, result, after_day)


def _activity_apply(organisation, days, items, key_rows, result, after_day) -> int:
    window = set(days)
    activity = [row for row in ingest.activity_rows_parse(items) if row.date in window]
    if key_rows is None:
        key_days = ingest.stored_key_rows(organisation, days)
    else:
        directory = ingest.Directory.load(organisation, activity)
        key_days = [r for r in ingest.key_rows_parse(key_rows, directory) if r.date in window]
    written = ingest.window_write(
        organisation,
        days,
        activity,
        key_days,
        after_day=after_day,
        keys_fresh=key_rows is not None,
    )
    if result is not None:
        result.rows += written
    return written


def credits_sync(organisation: Organisation, result: RunResult | None = None) -> RunResult:
    result = result or RunResult()
    result.calls += 1
    data = gateway_account.credits_get(organisation)
    CreditSnapshot.objects.create(
        organisation=organisation,
        taken_at=timezone.now(),
        total_credits=Decimal(str(data.total_credits)),
        total_usage=Decimal(str(data.total_usage)),
    )
    result.rows += 1
    from apps.spend.alerts import alerts_check

    alerts_check(organisation)
    return result


def keys_sync(organisation: Organisation, result: RunResult | None = None) -> RunResult:
    """The keys app's sync (the one poller of ``/workspaces`` and ``/keys``), then alerts.

    Its own lock and outcome are respected: held elsewhere raises ``SyncLocked``, a failed
    pass re-raises its upstream error (the pass keeps its cursor and resumes next run).
    """
    from apps.keys.models import SyncRun as KeySyncRun
    from apps.keys.services.sync import keys_sync as keys_app_sync

    result = result or RunResult()
    run = keys_app_sync(organisation)
    if run is None:
        raise SyncLocked(f"keys sync already running for organisation {organisation.pk}")
    result.rows += run.rows
    result.calls += 1 + len(run.facets.get("workspaces", []))
    if run.status != KeySyncRun.Status.OK:
        raise getattr(run, "exc", None) or UpstreamError(run.message or None)
    result.rows += members_sync(organisation)
    result.calls += 1
    from apps.spend.alerts import alerts_check

    alerts_check(organisation)
    return result


def members_sync(organisation: Organisation) -> int:
    """The upstream member directory, and links for console users with the same email.

    A link made by hand on the Members' keys page is never overwritten.
    """
    from apps.accounts.models import Membership
    from apps.gateway.organization import organization_members

    members = organization_members(organisation)
    with transaction.atomic():
        for member in members:
            name = " ".join(p for p in (member.first_name, member.last_name) if p)
            UpstreamMember.objects.update_or_create(
                organisation=organisation,
                user_id=member.id,
                defaults={"email": (member.email or "").lower(), "name": name},
            )
        by_email = {(m.email or "").lower(): m.id for m in members if m.email}
        linked = set(
            UpstreamIdentity.objects.filter(organisation=organisation).values_list(
                "user_id", flat=True
            )
        )
        for membership in Membership.objects.filter(organisation=organisation).select_related(
            "user"
        ):
            upstream_id = by_email.get(membership.user.email.lower())
            if upstream_id and membership.user_id not in linked:
                UpstreamIdentity.objects.create(
                    organisation=organisation, user=membership.user, upstream_user_id=upstream_id
                )
    return len(members)


def workspaces_store(sender, *, organisation: Organisation, workspaces, **kwargs) -> None:
    """Receiver of ``apps.keys.signals.workspaces_listed``: the workspace directory, kept
    from the listing the keys sync makes anyway (no second ``/workspaces`` call)."""
    with transaction.atomic():
        for ws in workspaces:
            SpendWorkspace.objects.update_or_create(
                organisation=organisation,
                workspace_id=str(ws.id),
                defaults={"name": ws.name, "slug": ws.slug or ""},
            )


def budgets_sync(organisation: Organisation, result: RunResult | None = None) -> RunResult:
    from apps.spend.budgets import budgets_sync as run

    return run(organisation, result or RunResult())


RUNNERS: dict[str, Callable[[Organisation, RunResult], RunResult]] = {
    Stream.ACTIVITY: lambda org, result: activity_sync(org, result),
    Stream.CREDITS: credits_sync,
    Stream.KEYS: keys_sync,
    Stream.BUDGETS: budgets_sync,
}

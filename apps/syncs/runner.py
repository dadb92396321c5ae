"""Running one stream for one organisation: the lock, the resume point, the outcome record.

The lock is a token on ``SyncState`` with a short lease (``SYNC_LOCK_TTL``) that the run
renews at every upstream call and checkpoint. A worker killed mid-run stops renewing it,
so the next run may start as soon as the lease ends; the dead run's record is marked
abandoned then. A run that finds its lease taken over stops before writing again.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from apps.gateway.core import background
from apps.gateway.errors import UpstreamError
from apps.syncs.models import SyncRun, SyncState
from apps.syncs.registry import Stream, stream_get
from apps.syncs.signals import sync_finished

logger = logging.getLogger(__name__)

# How often a running sync renews its lease at most (each renewal is one UPDATE).
RENEW_EVERY = timedelta(seconds=5)


class LockLost(Exception):
    """The lease ran out and another run took the stream over: stop writing."""


def lock_ttl() -> timedelta:
    return timedelta(seconds=settings.SYNC_LOCK_TTL)


@dataclass
class SyncContext:
    """What a stream's ``run`` gets: the organisation, where to resume, and the counters."""

    organisation: object
    stream: Stream
    token: str
    cursor: dict = field(default_factory=dict)
    rows: int = 0
    calls: int = 0
    message: str = ""
    _renewed: float = field(default_factory=time.monotonic)

    def checkpoint(self, **cursor) -> None:
        """Remember where the pass is, so a failure resumes from here (and renew the lease)."""
        self.cursor.update(cursor)
        self.renew(force=True, cursor=self.cursor)

    def heartbeat(self) -> None:
        """Long local work (no upstream calls) calls this now and then to keep the lease."""
        self.renew()

    def on_call(self) -> None:
        self.calls += 1
        self.renew()

    def renew(self, *, force: bool = False, **fields) -> None:
        if not force and time.monotonic() - self._renewed < RENEW_EVERY.total_seconds():
            return
        updated = SyncState.objects.filter(
            organisation=self.organisation, stream=self.stream.name, lock_token=self.token
        ).update(locked_until=timezone.now() + lock_ttl(), **fields)
        if not updated:
            raise LockLost(f"{self.stream.name} lease lost for {self.organisation.pk}")
        self._renewed = time.monotonic()


@dataclass
class SyncOutcome:
    run: SyncRun
    # The upstream failure, for the task's retry decision; None when the run succeeded.
    error: UpstreamError | None = None

    @property
    def locked(self) -> bool:
        return self.run.outcome == SyncRun.Outcome.LOCKED


def _acquire(organisation, stream: Stream, now: datetime) -> tuple[str, SyncState] | None:
    SyncState.objects.get_or_create(organisation=organisation, stream=stream.name)
    token = secrets.token_hex(8)
    taken = (
        SyncState.objects.filter(organisation=organisation, stream=stream.name)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .update(lock_token=token, locked_until=now + lock_ttl(), last_started_at=now)
    )
    if not taken:
        return None
    # Whatever still says "running" held a lease that ran out: its worker died.
    SyncRun.objects.filter(
        organisation=organisation, stream=stream.name, outcome=SyncRun.Outcome.RUNNING
    ).update(
        outcome=SyncRun.Outcome.ABANDONED,
        finished_at=now,
        error="The worker stopped before finishing; this run resumes from its checkpoint.",
    )
    return token, SyncState.objects.get(organisation=organisation, stream=stream.name)


def sync_run(
    organisation, stream_name: str, *, trigger: str = SyncRun.Trigger.DIRECT
) -> SyncOutcome:
    """Run one pass of ``stream_name`` for ``organisation``; never raises for upstream trouble."""
    stream = stream_get(stream_name)
    now = timezone.now()
    acquired = _acquire(organisation, stream, now)
    if acquired is None:
        run = SyncRun.objects.create(
            organisation=organisation,
            stream=stream.name,
            trigger=trigger,
            started_at=now,
            finished_at=now,
            outcome=SyncRun.Outcome.LOCKED,
            message="Another run of this stream is in progress.",
        )
        return SyncOutcome(run)
    token, state = acquired
    run = SyncRun.objects.create(
        organisation=organisation, stream=stream.name, trigger=trigger, started_at=now
    )
    ctx = SyncContext(
        organisation=organisation, stream=stream, token=token, cursor=dict(state.cursor)
    )
    clock = time.perf_counter()
    error: UpstreamError | None = None
    lost = False
    try:
        with background(ctx.on_call):
            stream.run(ctx)
    except UpstreamError as exc:
        error = exc
        logger.warning(
            "%s sync failed for organisation %s: %s", stream.name, organisation.pk, exc.message
        )
    except LockLost:
        lost = True
        logger.warning("%s sync for organisation %s lost its lease", stream.name, organisation.pk)
    except BaseException:
        # A defect, not upstream trouble: free the stream and record it, then let it surface.
        _crashed(run, ctx, token, clock)
        raise
    finished = timezone.now()
    run.finished_at = finished
    run.rows, run.calls = ctx.rows, ctx.calls
    run.duration_ms = int((time.perf_counter() - clock) * 1000)
    if lost:
        run.outcome = SyncRun.Outcome.ABANDONED
        run.error = "Another run took over this stream."
        run.save()
        return SyncOutcome(run)
    state_update: dict = {
        "lock_token": "",
        "locked_until": None,
        "last_finished_at": finished,
        "rows_written": ctx.rows,
        "next_run_at": finished + stream.interval,
    }
    if error is None:
        run.outcome = SyncRun.Outcome.OK
        run.message = ctx.message[:500]
        state_update.update(
            last_success_at=finished,
            last_message=run.message,
            consecutive_failures=0,
            cursor={},
            requested_at=None,
        )
    else:
        run.outcome = SyncRun.Outcome.ERROR
        run.error = error.user_message[:500]
        if error.retry_after is not None:
            # Never sooner than upstream asked, even at the next scheduled run.
            wait = max(stream.interval, timedelta(seconds=error.retry_after))
            state_update["next_run_at"] = finished + wait
        state_update.update(
            last_error_at=finished,
            last_error=run.error,
            consecutive_failures=F("consecutive_failures") + 1,
            cursor=ctx.cursor,
            requested_at=None,
        )
    run.save()
    SyncState.objects.filter(
        organisation=organisation, stream=stream.name, lock_token=token
    ).update(**state_update)
    sync_finished.send(sender=SyncRun, organisation=organisation, stream=stream.name, run=run)
    return SyncOutcome(run, error)


def _crashed(run: SyncRun, ctx: SyncContext, token: str, clock: float) -> None:
    now = timezone.now()
    run.outcome = SyncRun.Outcome.ERROR
    run.error = "The sync stopped on an internal error (see the worker's log)."
    run.finished_at = now
    run.rows, run.calls = ctx.rows, ctx.calls
    run.duration_ms = int((time.perf_counter() - clock) * 1000)
    run.save()
    SyncState.objects.filter(
        organisation=ctx.organisation, stream=ctx.stream.name, lock_token=token
    ).update(
        lock_token="",
        locked_until=None,
        last_finished_at=now,
        last_error_at=now,
        last_error=run.error,
        cursor=ctx.cursor,
        requested_at=None,
        next_run_at=now + ctx.stream.interval,
    )

"""The one sync framework: lease lock, resume point, outcome record, background mode."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.gateway.errors import RateLimited
from apps.spend.models import CreditSnapshot
from apps.syncs import registry
from apps.syncs.models import SyncRun, SyncState
from apps.syncs.registry import Stream, register, stream_get
from apps.syncs.runner import SyncContext, sync_run
from apps.syncs.signals import sync_finished

pytestmark = pytest.mark.django_db


@pytest.fixture
def add_stream(monkeypatch):
    """Register a stream for one test only."""

    def add(name: str, run) -> None:
        monkeypatch.setitem(
            registry._STREAMS, name, Stream(name, name.title(), timedelta(minutes=5), run)
        )

    return add


def _storm(account, seconds: int, until_minutes: int = 10):
    account.fault = f"429,retry_after={seconds}"
    account.fault_until = timezone.now() + timedelta(minutes=until_minutes)
    account.save()


def test_every_run_records_its_outcome_rows_calls_and_next_run(organisation):
    outcome = sync_run(organisation, "credits")
    run = outcome.run
    assert (run.outcome, run.rows, run.calls) == ("ok", 1, 1)
    assert run.finished_at >= run.started_at and run.duration_ms >= 0
    state = SyncState.objects.get(organisation=organisation, stream="credits")
    assert state.last_success_at == run.finished_at and state.rows_written == 1
    assert state.next_run_at - state.last_success_at == stream_get("credits").interval
    assert state.locked_until is None and state.lock_token == ""


def test_two_workers_never_sync_the_same_stream(organisation, upstream_calls):
    SyncState.objects.create(
        organisation=organisation,
        stream="credits",
        lock_token="someone",
        locked_until=timezone.now() + timedelta(seconds=30),
    )
    outcome = sync_run(organisation, "credits")
    assert outcome.locked and outcome.run.outcome == "locked" and upstream_calls == []
    assert not CreditSnapshot.objects.exists()


def test_a_dead_workers_lease_ends_and_its_run_is_marked_abandoned(organisation):
    dead = SyncRun.objects.create(organisation=organisation, stream="credits")
    SyncState.objects.create(
        organisation=organisation,
        stream="credits",
        lock_token="dead-worker",
        locked_until=timezone.now() - timedelta(seconds=1),
    )
    assert sync_run(organisation, "credits").run.outcome == "ok"
    dead.refresh_from_db()
    assert dead.outcome == SyncRun.Outcome.ABANDONED and dead.finished_at is not None


def test_the_lease_is_short_and_renewed_while_the_run_works(organisation, add_stream, settings):
    settings.SYNC_LOCK_TTL = 60
    seen = []

    def slow_run(ctx: SyncContext) -> None:
        seen.append(SyncState.objects.get(organisation=organisation, stream="test-lease"))
        ctx.checkpoint(step=1)
        seen.append(SyncState.objects.get(organisation=organisation, stream="test-lease"))

    add_stream("test-lease", slow_run)
    sync_run(organisation, "test-lease")
    first, second = seen
    assert first.locked_until - timezone.now() <= timedelta(seconds=60)
    assert second.locked_until >= first.locked_until and second.cursor == {"step": 1}


def test_a_run_whose_lease_was_taken_over_stops_writing(organisation, add_stream):
    def hijacked(ctx: SyncContext) -> None:
        SyncState.objects.filter(organisation=organisation, stream="test-hijack").update(
            lock_token="another-run"
        )
        ctx.checkpoint(step=1)  # raises: the lease is gone
        raise AssertionError("wrote after losing the lease")

    add_stream("test-hijack", hijacked)
    run = sync_run(organisation, "test-hijack").run
    assert run.outcome == SyncRun.Outcome.ABANDONED


def test_a_defect_frees_the_stream_and_is_recorded(organisation, add_stream):
    def broken(ctx: SyncContext) -> None:
        raise KeyError("bug")

    add_stream("test-broken", broken)
    with pytest.raises(KeyError):
        sync_run(organisation, "test-broken")
    state = SyncState.objects.get(organisation=organisation, stream="test-broken")
    assert state.locked_until is None and "internal error" in state.last_error
    assert SyncRun.objects.get(stream="test-broken").outcome == "error"


def test_a_failed_run_keeps_its_resume_point_and_a_success_clears_it(organisation, add_stream):
    attempts = []

    def flaky(ctx: SyncContext) -> None:
        attempts.append(dict(ctx.cursor))
        ctx.checkpoint(page=ctx.cursor.get("page", 0) + 1)
        if len(attempts) == 1:
            raise RateLimited(status=429, retry_after=1)

    add_stream("test-resume", flaky)
    failed = sync_run(organisation, "test-resume")
    assert failed.run.outcome == "error" and failed.error.retry_after == 1
    state = SyncState.objects.get(organisation=organisation, stream="test-resume")
    assert state.cursor == {"page": 1} and state.consecutive_failures == 1
    assert sync_run(organisation, "test-resume").run.ok
    assert attempts[1] == {"page": 1}  # resumed where it stopped
    state.refresh_from_db()
    assert state.cursor == {} and state.consecutive_failures == 0


def test_in_a_sync_the_gateway_never_sleeps_and_a_retry_after_pushes_the_next_run(
    organisation, sandbox_account, gateway_sleeps
):
    _storm(sandbox_account[0], 900)
    outcome = sync_run(organisation, "credits")
    assert isinstance(outcome.error, RateLimited) and gateway_sleeps == []
    state = SyncState.objects.get(organisation=organisation, stream="credits")
    assert "rate-limiting" in state.last_error
    assert state.next_run_at - outcome.run.finished_at >= timedelta(seconds=899)


def test_sync_finished_is_sent_for_every_run_that_held_the_lock(organisation):
    heard = []

    def listener(sender, *, organisation, stream, run, **kwargs):
        heard.append((organisation.pk, stream, run.outcome))

    sync_finished.connect(listener)
    try:
        sync_run(organisation, "credits")
    finally:
        sync_finished.disconnect(listener)
    assert heard == [(organisation.pk, "credits", "ok")]


def test_registering_another_runner_under_a_taken_name_fails():
    with pytest.raises(ValueError, match="registered twice"):
        register(Stream("credits", "Again", timedelta(minutes=1), lambda ctx: None))

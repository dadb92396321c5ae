from __future__ import annotations

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.urls import reverse
from django.utils import timezone

from apps.gateway import core
from apps.gateway.errors import RateLimited
from apps.spend import tasks
from apps.spend.models import (
    CreditSnapshot,
    KeyDay,
    SpendFact,
    Stream,
    SyncRun,
    SyncState,
    UpstreamMember,
)
from apps.spend.sync import INTERVALS, lock_acquire, stream_run
from apps.spend.tasks import retry_delay

pytestmark = pytest.mark.django_db


@pytest.fixture
def upstream_calls(monkeypatch):
    """Counts real upstream attempts (retries included)."""
    calls: list[int] = []
    real = core._attempt

    def counting(creds, operation):
        calls.append(1)
        return real(creds, operation)

    monkeypatch.setattr(core, "_attempt", counting)
    return calls


def _storm(account, seconds: int, until_minutes: int = 10):
    account.fault = f"429,retry_after={seconds}"
    account.fault_until = timezone.now() + timedelta(minutes=until_minutes)
    account.save()


def test_credits_sync_appends_a_snapshot_each_run(organisation):
    stream_run(organisation, Stream.CREDITS)
    stream_run(organisation, Stream.CREDITS)
    assert CreditSnapshot.objects.filter(organisation=organisation).count() == 2
    run = SyncRun.objects.filter(stream=Stream.CREDITS).first()
    assert (run.outcome, run.rows, run.calls) == ("ok", 1, 1)
    assert run.duration_ms >= 0


def test_every_run_records_its_outcome_and_next_run(organisation):
    stream_run(organisation, Stream.KEYS)
    state = SyncState.objects.get(organisation=organisation, stream=Stream.KEYS)
    assert state.last_success_at is not None and state.rows_written > 0
    assert state.next_run_at - state.last_success_at == pytest.approx(
        INTERVALS[Stream.KEYS], abs=timedelta(seconds=2)
    )
    assert state.locked_until is None


def test_a_429_storm_never_retries_before_retry_after_and_recovers(
    organisation, sandbox_account, gateway_sleeps, client_for, finance
):
    account = sandbox_account[0]
    stream_run(organisation, Stream.CREDITS)
    _storm(account, 3)
    run = stream_run(organisation, Stream.CREDITS)
    assert run.outcome == "error" and isinstance(run.exc, RateLimited)
    assert gateway_sleeps and all(wait >= 3 for wait in gateway_sleeps)
    assert run.exc.retry_after == pytest.approx(3, abs=1)
    assert retry_delay(run.exc, attempt=0) >= 3
    state = SyncState.objects.get(organisation=organisation, stream=Stream.CREDITS)
    assert "rate-limiting" in state.last_error
    # Meanwhile the page says the data is stale (last success older than two intervals).
    SyncState.objects.filter(pk=state.pk).update(
        last_success_at=timezone.now() - 3 * INTERVALS[Stream.CREDITS]
    )
    page = client_for(finance).get(reverse("spend:dashboard"))
    assert b'data-testid="stale-banner"' in page.content
    account.fault_until = timezone.now() - timedelta(seconds=1)
    account.save()
    recovered = stream_run(organisation, Stream.CREDITS)
    assert recovered.outcome == "ok"
    assert CreditSnapshot.objects.filter(organisation=organisation).count() == 2


def test_a_long_retry_after_is_left_to_the_task_which_waits_at_least_that_long(
    organisation, sandbox_account, gateway_sleeps, monkeypatch
):
    _storm(sandbox_account[0], 120)
    asked: list[float] = []

    def fake_retry(countdown, exc):
        asked.append(countdown)
        return Retry("retry", exc)

    monkeypatch.setattr(tasks.spend_sync, "retry", fake_retry)
    with pytest.raises(Retry):
        tasks.spend_sync.run(organisation.pk, Stream.CREDITS)
    assert gateway_sleeps == []  # past the gateway's cap: no in-call waiting at all
    assert asked and asked[0] >= 120


def test_retry_delay_backs_off_when_upstream_gives_no_retry_after():
    exc = RateLimited(status=503)
    exc.status = 503
    assert 15 <= retry_delay(exc, attempt=0) <= 31
    assert retry_delay(exc, attempt=10) <= tasks.BACKOFF_CAP


def test_two_workers_never_sync_the_same_stream(organisation, upstream_calls):
    lock_acquire(organisation, Stream.CREDITS)
    run = stream_run(organisation, Stream.CREDITS)
    assert run.outcome == "locked" and upstream_calls == []


def test_a_killed_workers_lock_expires_and_the_next_run_proceeds(organisation):
    lock_acquire(organisation, Stream.CREDITS, now=timezone.now() - timedelta(hours=1))
    assert stream_run(organisation, Stream.CREDITS).outcome == "ok"


def test_without_a_fresh_key_breakdown_totals_heal_and_keys_keep_their_shares(
    synced, sandbox_account
):
    from apps.gateway import account as gateway_account
    from apps.spend.sync import activity_apply, activity_window

    account = sandbox_account[0]
    keys_before = sorted(
        KeyDay.objects.values_list("date", "key_hash", "model_permaslug", "usage_micros")
    )
    day = activity_window()[-1]
    record = account.activity.filter(date=day).first()
    record.usage += 2.0
    record.save()
    items = gateway_account.activity_list(synced, group_by="workspace")
    activity_apply(synced, activity_window(), items, None)
    assert (
        sorted(KeyDay.objects.values_list("date", "key_hash", "model_permaslug", "usage_micros"))
        == keys_before
    )
    ledger = sum(account.activity.filter(date=day).values_list("usage", flat=True))
    facts = SpendFact.objects.filter(date=day)
    assert sum(facts.values_list("usage_micros", flat=True)) == round(ledger * 1_000_000)
    assert not facts.filter(key_hash="").exists()


def test_sync_all_queues_one_task_per_connected_organisation(
    organisation, other_organisation, monkeypatch
):
    queued = []
    monkeypatch.setattr(
        tasks.spend_sync, "delay", lambda org_id, stream: queued.append((org_id, stream))
    )
    assert tasks.spend_sync_all.run("credits") == 2
    assert sorted(queued) == sorted(
        [(organisation.pk, "credits"), (other_organisation.pk, "credits")]
    )


# --- against the sandbox's /analytics/query (integration) --------------------------------


def test_activity_sync_against_the_sandbox_attributes_spend_to_keys(organisation, upstream_calls):
    stream_run(organisation, Stream.KEYS)
    upstream_calls.clear()
    run = stream_run(organisation, Stream.ACTIVITY)
    assert run.outcome == "ok", run.error
    assert len(upstream_calls) <= 3  # /activity + one analytics query (+ one fallback)
    assert KeyDay.objects.filter(organisation=organisation).exists()
    attributed = sum(SpendFact.objects.exclude(key_hash="").values_list("usage_micros", flat=True))
    total = sum(SpendFact.objects.values_list("usage_micros", flat=True))
    assert attributed == total > 0


def test_activity_sync_call_count_does_not_grow_with_keys(
    organisation, other_organisation, upstream_calls
):
    counts = []
    for org in (organisation, other_organisation):  # 8 keys and 3 keys
        stream_run(org, Stream.KEYS)
        upstream_calls.clear()
        assert stream_run(org, Stream.ACTIVITY).outcome == "ok"
        counts.append(len(upstream_calls))
    assert counts[0] == counts[1]


def test_budgets_sync_against_the_sandbox_records_its_run(organisation):
    run = stream_run(organisation, Stream.BUDGETS)
    assert run.outcome == "ok", run.error
    assert run.calls >= 3  # workspaces, one budgets list per workspace, guardrails


# --- the keys stream is the keys app's sync ----------------------------------------------


def test_keys_stream_runs_the_keys_app_sync_listing_workspaces_once(organisation, monkeypatch):
    from apps.gateway import account as gateway_account
    from apps.keys.models import Key
    from apps.keys.models import SyncRun as KeySyncRun
    from apps.spend.models import SpendWorkspace

    listed: list[list] = []
    real = gateway_account.workspaces_list

    def counting(org, *args, **kwargs):
        listed.append(real(org, *args, **kwargs))
        return listed[-1]

    monkeypatch.setattr(gateway_account, "workspaces_list", counting)
    run = stream_run(organisation, Stream.KEYS)
    assert run.outcome == "ok", run.error
    assert len(listed) == 1  # one /workspaces listing, the keys app's
    keys_run = KeySyncRun.objects.get(organisation=organisation)
    members = UpstreamMember.objects.filter(organisation=organisation).count()
    assert keys_run.status == "ok" and keys_run.rows > 0 and members > 0
    assert run.rows == keys_run.rows + members  # the keys, then the member directory
    assert Key.objects.filter(organisation=organisation).count() == keys_run.rows
    stored = dict(
        SpendWorkspace.objects.filter(organisation=organisation).values_list("workspace_id", "name")
    )
    assert stored == {str(ws.id): ws.name for ws in listed[0]}


def test_keys_stream_respects_the_keys_app_lock(organisation):
    from apps.keys.models import Key
    from apps.keys.models import SyncRun as KeySyncRun

    KeySyncRun.objects.create(organisation=organisation, stream="keys")  # running elsewhere
    run = stream_run(organisation, Stream.KEYS)
    assert run.outcome == "locked"
    assert not Key.objects.filter(organisation=organisation).exists()
    state = SyncState.objects.get(organisation=organisation, stream=Stream.KEYS)
    assert state.last_success_at is None and state.locked_until is None


def test_keys_stream_reports_the_keys_app_failure_for_the_task_to_retry(
    organisation, sandbox_account, gateway_sleeps
):
    from apps.keys.models import SyncRun as KeySyncRun

    _storm(sandbox_account[0], 3)
    run = stream_run(organisation, Stream.KEYS)
    assert run.outcome == "error" and isinstance(run.exc, RateLimited)
    assert run.exc.retry_after == pytest.approx(3, abs=1)
    assert KeySyncRun.objects.get(organisation=organisation).status == "failed"
    state = SyncState.objects.get(organisation=organisation, stream=Stream.KEYS)
    assert state.last_success_at is None and "rate-limiting" in state.last_error


def test_health_shows_keys_fresh_after_a_sync_started_from_the_keys_app(
    client_for, finance, organisation
):
    from apps.keys.services.sync import keys_sync

    assert keys_sync(organisation).status == "ok"
    response = client_for(finance).get(reverse("spend:health"))
    keys_row = next(s for s in response.context["streams"] if s.stream == "keys")
    assert not keys_row.stale and keys_row.keys_run.status == "ok"
    assert b'data-testid="keys-run"' in response.content

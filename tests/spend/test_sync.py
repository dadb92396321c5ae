from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.gateway.errors import RateLimited
from apps.members.models import UpstreamMember
from apps.spend.models import CreditSnapshot, KeyDay, SpendFact
from apps.spend.services.sync import activity_apply, activity_window
from apps.syncs.models import SyncState
from apps.syncs.registry import stream_get
from apps.syncs.runner import sync_run
from apps.workspaces.models import Workspace

pytestmark = pytest.mark.django_db


def test_credits_sync_appends_a_snapshot_each_run(organisation):
    sync_run(organisation, "credits")
    sync_run(organisation, "credits")
    assert CreditSnapshot.objects.filter(organisation=organisation).count() == 2


def test_a_429_storm_is_recorded_the_page_says_stale_and_the_next_run_recovers(
    organisation, sandbox_account, gateway_sleeps, client_for, finance
):
    account = sandbox_account[0]
    sync_run(organisation, "credits")
    account.fault = "429,retry_after=3"
    account.save()
    outcome = sync_run(organisation, "credits")
    assert outcome.run.outcome == "error" and isinstance(outcome.error, RateLimited)
    assert outcome.error.retry_after == pytest.approx(3, abs=1)
    assert gateway_sleeps == []  # the worker does not sleep; the task reschedules
    state = SyncState.objects.get(organisation=organisation, stream="credits")
    assert "rate-limiting" in state.last_error
    # Meanwhile the page says the data is stale (last success older than two intervals).
    SyncState.objects.filter(pk=state.pk).update(
        last_success_at=timezone.now() - 3 * stream_get("credits").interval
    )
    page = client_for(finance).get(reverse("spend:dashboard"))
    assert b'data-testid="stale-banner"' in page.content
    account.fault = ""
    account.save()
    assert sync_run(organisation, "credits").run.ok
    assert CreditSnapshot.objects.filter(organisation=organisation).count() == 2


def test_without_a_fresh_key_breakdown_totals_heal_and_keys_keep_their_shares(
    synced, sandbox_account
):
    from apps.gateway import account as gateway_account

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


# --- against the sandbox's /analytics/query (integration) --------------------------------


def test_activity_sync_against_the_sandbox_attributes_spend_to_keys(organisation, upstream_calls):
    sync_run(organisation, "keys")
    upstream_calls.clear()
    run = sync_run(organisation, "activity").run
    assert run.outcome == "ok", run.error
    assert len(upstream_calls) == run.calls <= 3  # /activity + one analytics query (+ fallback)
    assert KeyDay.objects.filter(organisation=organisation).exists()
    attributed = sum(SpendFact.objects.exclude(key_hash="").values_list("usage_micros", flat=True))
    total = sum(SpendFact.objects.values_list("usage_micros", flat=True))
    assert attributed == total > 0


def test_activity_sync_call_count_does_not_grow_with_keys(
    organisation, other_organisation, upstream_calls
):
    counts = []
    for org in (organisation, other_organisation):  # 8 keys and 3 keys
        sync_run(org, "keys")
        upstream_calls.clear()
        assert sync_run(org, "activity").run.ok
        counts.append(len(upstream_calls))
    assert counts[0] == counts[1]


def test_budgets_sync_reads_the_workspace_mirror_and_records_its_run(organisation, upstream_calls):
    sync_run(organisation, "keys")  # fills the workspace mirror
    upstream_calls.clear()
    run = sync_run(organisation, "budgets").run
    assert run.outcome == "ok", run.error
    workspaces = Workspace.objects.filter(organisation=organisation).count()
    # one budgets list per mirrored workspace, the guardrail assignments and the guardrails
    assert run.calls == len(upstream_calls) == workspaces + 2


# --- one source of workspaces; the member directory is its own stream --------------------


def test_the_keys_stream_lists_workspaces_once_into_the_one_mirror(organisation, monkeypatch):
    from apps.gateway import workspaces as gateway_workspaces
    from apps.keys.models import Key

    listed: list[list] = []
    real = gateway_workspaces.workspaces_list

    def counting(org, *args, **kwargs):
        listed.append(real(org, *args, **kwargs))
        return listed[-1]

    monkeypatch.setattr(gateway_workspaces, "workspaces_list", counting)
    run = sync_run(organisation, "keys").run
    assert run.outcome == "ok", run.error
    assert len(listed) == 1  # one /workspaces listing per pass
    assert Key.objects.filter(organisation=organisation).count() == run.rows
    stored = dict(
        Workspace.objects.filter(organisation=organisation).values_list("workspace_id", "name")
    )
    assert stored == {str(ws.id): ws.name for ws in listed[0]}


def test_the_members_stream_fills_the_directory(organisation):
    run = sync_run(organisation, "members").run
    members = UpstreamMember.objects.filter(organisation=organisation).count()
    assert run.ok and run.rows == members > 0


def test_key_limit_alerts_follow_a_keys_sync(organisation, monkeypatch):
    checked = []
    monkeypatch.setattr("apps.spend.syncs.alerts_check", checked.append)
    sync_run(organisation, "keys")
    sync_run(organisation, "members")
    assert checked == [organisation]  # after keys (limits), not after members

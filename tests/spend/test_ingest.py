from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.gateway import account as gateway_account
from apps.gateway.analytics import analytics_result
from apps.keys.models import Key
from apps.spend.filters import Filters
from apps.spend.models import (
    ActivityDay,
    DayDigest,
    KeyDay,
    SpendFact,
    SpendRollup,
    SpendRollupMonth,
)
from apps.spend.money import split, to_int, to_micros
from apps.spend.selectors import Scope, dashboard_get
from apps.spend.selectors.common import BREAKDOWNS
from apps.spend.services import ingest, store
from apps.spend.services.sync import activity_apply, activity_window
from tests.spend.conftest import sync_activity_recorded
from tests.spend.samples import RECORDED_QUERY_RESPONSE, analytics_rows_from_sandbox

pytestmark = pytest.mark.django_db


def _snapshot(organisation):
    def rows(model, *fields):
        return sorted(model.objects.filter(organisation=organisation).values_list(*fields))

    return (
        rows(
            ActivityDay,
            "date",
            "model_permaslug",
            "endpoint_id",
            "workspace_id",
            "usage_micros",
            "requests",
        ),
        rows(KeyDay, "date", "key_hash", "model_permaslug", "usage_micros", "requests"),
        rows(
            SpendFact,
            "date",
            "workspace_id",
            "model",
            "key_hash",
            "user_id",
            "usage_micros",
            "byok_micros",
            "requests",
        ),
        rows(SpendRollup, "date", "scope", "dim", "value", "usage_micros"),
    )


@given(
    total=st.integers(-(10**12), 10**12),
    weights=st.lists(st.integers(0, 10**9), min_size=1, max_size=30),
)
def test_split_parts_always_sum_to_the_total(total, weights):
    parts = split(total, weights)
    assert sum(parts) == total
    assert len(parts) == len(weights)


def test_recorded_analytics_answer_parses_string_counts_names_and_unknown_keys(organisation):
    Key.objects.create(
        organisation=organisation,
        hash="c" * 64,
        name="support-bot",
        workspace_id="ws-1",
        creator_user_id="user_owner",
        created_at="2026-01-01T00:00:00Z",
        synced_at="2026-01-06T00:00:00Z",
    )
    rows = analytics_result(RECORDED_QUERY_RESPONSE).rows
    directory = ingest.Directory(
        keys={k.hash: k for k in Key.objects.all()},
        keys_by_name={"support-bot": list(Key.objects.all())},
        workspaces_by_label={"Production": "ws-prod"},
        models={"openai/gpt-4o": "openai/gpt-4o-2024-05-13"},
    )
    parsed = {(r.key_hash, r.model_permaslug): r for r in ingest.key_rows_parse(rows, directory)}
    by_hash = parsed[("a" * 64, "openai/gpt-4o-2024-05-13")]
    assert (by_hash.requests, by_hash.usage_micros, by_hash.date) == (6, 123456, date(2026, 1, 5))
    by_name = parsed[("c" * 64, "openai/gpt-4o-2024-05-13")]
    assert (by_name.user_id, by_name.workspace_id, by_name.usage_micros) == (
        "user_owner",
        "ws-1",
        500000,
    )
    unknown_key = parsed[("b" * 64, "anthropic/claude-sonnet-4")]
    # Two rows of the same (day, key, model) merge; user and workspace come from the row.
    assert (unknown_key.requests, unknown_key.usage_micros) == (3, 30000)
    assert (unknown_key.user_id, unknown_key.workspace_id) == ("user_2abc", "ws-prod")


def test_sync_writes_activity_and_attributes_every_micro_dollar(synced, sandbox_account):
    facts_total = sum(SpendFact.objects.values_list("usage_micros", flat=True))
    activity_total = sum(ActivityDay.objects.values_list("usage_micros", flat=True))
    assert facts_total == activity_total > 0
    unattributed = sum(SpendFact.objects.filter(key_hash="").values_list("usage_micros", flat=True))
    assert unattributed == 0


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(replays=st.integers(min_value=1, max_value=4), rewrite=st.booleans())
def test_replaying_a_sync_n_times_gives_the_same_rows(synced, sandbox_account, replays, rewrite):
    """With ``rewrite`` the day fingerprints are dropped, so every day is written again."""
    before = _snapshot(synced)
    for _ in range(replays):
        if rewrite:
            DayDigest.objects.all().delete()
        sync_activity_recorded(synced, sandbox_account[0])
    assert _snapshot(synced) == before


def test_an_unchanged_day_is_not_rewritten_but_a_corrected_one_is(synced, sandbox_account):
    account = sandbox_account[0]
    days = activity_window()
    ids_before = {
        d: set(SpendFact.objects.filter(date=d).values_list("id", flat=True)) for d in days
    }
    record = account.activity.filter(date=days[-1]).first()
    record.usage += 0.5
    record.save()
    sync_activity_recorded(synced, account)
    ids_after = {
        d: set(SpendFact.objects.filter(date=d).values_list("id", flat=True)) for d in days
    }
    assert ids_after[days[-2]] == ids_before[days[-2]]
    assert ids_after[days[-1]].isdisjoint(ids_before[days[-1]])


def test_a_sync_cut_short_is_completed_by_the_next_run(organisation, sandbox_account):
    account = sandbox_account[0]
    items = gateway_account.activity_list(organisation, group_by="workspace")
    key_rows = analytics_rows_from_sandbox(account)
    days = activity_window()
    done: list[date] = []

    def die_half_way(day):
        done.append(day)
        if len(done) == 15:
            raise KeyboardInterrupt("worker killed")

    with pytest.raises(KeyboardInterrupt):
        activity_apply(organisation, days, items, key_rows, after_day=die_half_way)
    written = set(ActivityDay.objects.values_list("date", flat=True))
    committed = days[: -(-len(done) // ingest.CHUNK_DAYS) * ingest.CHUNK_DAYS]
    assert written and written <= set(committed), "only the chunks committed before the kill"
    assert set(days) - set(committed)
    activity_apply(organisation, days, items, key_rows)
    resumed = _snapshot(organisation)
    for model in (SpendFact, SpendRollup, SpendRollupMonth, ActivityDay, KeyDay, DayDigest):
        model.objects.all().delete()
    activity_apply(organisation, days, items, key_rows)
    assert _snapshot(organisation) == resumed


def test_days_older_than_the_upstream_window_are_kept(synced, sandbox_account):
    old_day = activity_window()[0] - timedelta(days=40)
    SpendFact.objects.create(organisation=synced, date=old_day, model="m/old", usage_micros=5)
    sync_activity_recorded(synced, sandbox_account[0])
    assert SpendFact.objects.filter(date=old_day).count() == 1


def test_late_corrections_heal_on_the_next_sync(synced, sandbox_account):
    account = sandbox_account[0]
    day = activity_window()[-1]
    record = account.activity.filter(date=day).first()
    record.usage += 1.0
    record.save()
    sync_activity_recorded(synced, account)
    facts = sum(SpendFact.objects.filter(date=day).values_list("usage_micros", flat=True))
    ledger = sum(account.activity.filter(date=day).values_list("usage", flat=True))
    assert facts == round(ledger * 1_000_000)


def test_every_breakdown_reconciles_to_the_cent(synced):
    days = activity_window()
    for filters in (
        Filters(start=days[0], end=days[-1]),
        Filters(start=days[0], end=days[-1], granularity="week"),
        Filters(
            start=days[5],
            end=days[20],
            workspace=ActivityDay.objects.exclude(workspace_id="").first().workspace_id,
        ),
        Filters(start=days[0], end=days[-1], model=SpendFact.objects.first().model),
    ):
        data = dashboard_get(synced, filters, Scope())
        assert data.total > 0
        assert sum(r.usage for r in data.series) == data.total
        for dim in BREAKDOWNS:
            assert sum((r.usage for r in data.breakdowns[dim]), Decimal(0)) == data.total, dim
            assert sum((r.byok for r in data.breakdowns[dim]), Decimal(0)) == data.byok, dim


def test_rollups_and_raw_facts_give_the_same_dashboard(synced):
    days = activity_window()
    filters = Filters(start=days[0], end=days[-1])
    from_rollups = dashboard_get(synced, filters, Scope())
    everything = Scope(key_hashes=frozenset(SpendFact.objects.values_list("key_hash", flat=True)))
    from_facts = dashboard_get(synced, filters, everything)
    assert from_rollups.source == "rollup" and from_facts.source == "facts"
    assert from_rollups.total == from_facts.total
    for dim in BREAKDOWNS:
        assert {r.value: r.usage for r in from_rollups.breakdowns[dim]} == {
            r.value: r.usage for r in from_facts.breakdowns[dim]
        }


def test_whole_months_come_from_monthly_rollups_and_agree_with_the_facts(synced):
    from apps.spend.services.store import month_start

    days = activity_window()
    filters = Filters(start=month_start(days[0]), end=days[-1])
    from_rollups = dashboard_get(synced, filters, Scope())
    everything = Scope(key_hashes=frozenset(SpendFact.objects.values_list("key_hash", flat=True)))
    from_facts = dashboard_get(synced, filters, everything)
    assert from_rollups.total == from_facts.total > 0
    for dim in BREAKDOWNS:
        assert {r.value: r.usage for r in from_rollups.breakdowns[dim]} == {
            r.value: r.usage for r in from_facts.breakdowns[dim]
        }


def _micros_by_decimal(value) -> int:
    if value in (None, ""):
        return 0
    return int((Decimal(str(value)) * 1_000_000).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


@settings(max_examples=3000, deadline=None)
@given(
    st.one_of(
        st.floats(allow_nan=False, allow_infinity=False, min_value=-2e9, max_value=2e9),
        st.integers(-(10**12), 10**12).map(lambda n: n / 1e6),
        st.integers(-(10**13), 10**13).map(lambda n: (n + 0.5) / 1e7),
        st.decimals(min_value=-(10**9), max_value=10**9, places=9).map(str),
        st.integers(-(10**9), 10**9),
    )
)
def test_fast_money_parsing_matches_the_exact_decimal_rounding(value):
    assert to_micros(value) == _micros_by_decimal(value)


@given(st.one_of(st.integers(0, 10**12).map(str), st.integers(-(10**6), 10**6)))
def test_fast_count_parsing_matches_the_decimal_one(value):
    assert to_int(value) == int(Decimal(str(value)))


def test_copy_text_escapes_separators_backslashes_and_nulls():
    plain = [(1, date(2026, 1, 2), "vendor/model", 5)]
    assert store._copy_text(plain, 4) == "1\t2026-01-02\tvendor/model\t5\n"
    awkward = [(1, date(2026, 1, 2), "a\tb\\c\nd", 5), (2, None, "None", 6)]
    assert store._copy_text(awkward, 4) == ("1\t2026-01-02\ta\\tb\\\\c\\nd\t5\n2\t\\N\tNone\t6\n")

"""Analytics: metrics/dimensions from the activity ledger, filters, buckets, limits, SDK."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from apps.sandbox.models import ActivityRecord, ApiKey
from apps.sandbox.usage import utc_today
from tests.sandbox.management_support import Api, inference_key, sdk

pytestmark = pytest.mark.django_db


def _activity_range() -> dict:
    today = utc_today()
    return {
        "start": f"{(today - timedelta(days=30)).isoformat()}T00:00:00Z",
        "end": f"{today.isoformat()}T00:00:00Z",
    }


def _query(api: Api, **body):
    response = api.post("/analytics/query", body)
    assert response.status_code == 200, response.content
    return response.json()["data"]


def test_meta_lists_metrics_dimensions_granularities_operators(sandbox_account):
    _account, secret = sandbox_account
    data = Api(secret).get("/analytics/meta").json()["data"]
    names = {m["name"] for m in data["metrics"]}
    assert {"request_count", "total_usage", "tokens_total", "cache_hit_rate"} <= names
    assert {d["name"] for d in data["dimensions"]} >= {
        "model",
        "provider",
        "api_key_id",
        "user",
        "workspace",
    }
    assert [g["name"] for g in data["granularities"]] == ["minute", "hour", "day", "week", "month"]
    ops = {o["name"]: o["value_type"] for o in data["operators"]}
    assert ops == {
        "eq": "scalar",
        "neq": "scalar",
        "in": "array",
        "not_in": "array",
        "gt": "scalar",
        "gte": "scalar",
        "lt": "scalar",
        "lte": "scalar",
    }


def test_totals_equal_the_sum_of_activity_over_the_same_range(sandbox_account):
    _account, secret = sandbox_account
    api = Api(secret)
    activity = api.get("/activity").json()["data"]
    assert activity
    data = _query(
        api,
        metrics=["request_count", "total_usage", "byok_usage", "tokens_prompt", "tokens_cached"],
        time_range=_activity_range(),
    )
    [row] = data["data"]
    assert int(row["request_count"]) == sum(r["requests"] for r in activity)
    assert row["total_usage"] == pytest.approx(sum(r["usage"] for r in activity), abs=1e-4)
    assert row["byok_usage"] == pytest.approx(
        sum(r["byok_usage_inference"] for r in activity), abs=1e-4
    )
    assert int(row["tokens_prompt"]) == sum(r["prompt_tokens"] for r in activity)
    assert int(row["tokens_cached"]) == sum(r["cached_tokens"] for r in activity)
    assert data["metadata"] == {
        "query_time_ms": data["metadata"]["query_time_ms"],
        "row_count": 1,
        "truncated": False,
    }


def test_counts_are_strings_and_money_is_a_number(sandbox_account):
    _account, secret = sandbox_account
    [row] = _query(Api(secret), metrics=["request_count", "total_usage"])["data"]
    assert isinstance(row["request_count"], str)
    assert isinstance(row["total_usage"], float)


def test_daily_model_series_matches_activity_rows(sandbox_account):
    _account, secret = sandbox_account
    api = Api(secret)
    expected = defaultdict(float)
    for r in api.get("/activity").json()["data"]:
        expected[(f"{r['date']}T00:00:00.000Z", r["model"])] += r["usage"]
    data = _query(
        api,
        metrics=["total_usage"],
        dimensions=["model"],
        granularity="day",
        time_range=_activity_range(),
    )
    got = {(r["date__day"], r["model"]): r["total_usage"] for r in data["data"]}
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-5)
    # Default order with a granularity: newest bucket first.
    days = [r["date__day"] for r in data["data"]]
    assert days == sorted(days, reverse=True)


def test_week_and_month_buckets_start_on_monday_and_the_first(sandbox_account):
    _account, secret = sandbox_account
    api = Api(secret)
    weeks = _query(api, metrics=["request_count"], granularity="week", time_range=_activity_range())
    for row in weeks["data"]:
        assert datetime.fromisoformat(row["date__week"].replace("Z", "+00:00")).weekday() == 0
    months = _query(
        api, metrics=["request_count"], granularity="month", time_range=_activity_range()
    )
    assert all(r["date__month"][8:10] == "01" for r in months["data"])
    total = sum(int(r["request_count"]) for r in weeks["data"])
    assert total == sum(int(r["request_count"]) for r in months["data"])


def test_api_key_dimension_shows_key_names_and_filters_by_hash(sandbox_account):
    account, secret = sandbox_account
    api = Api(secret)
    key = ApiKey.objects.filter(account=account, is_management=False).first()
    by_key = _query(
        api, metrics=["total_usage"], dimensions=["api_key_id"], time_range=_activity_range()
    )
    names = {r["api_key_id"] for r in by_key["data"]}
    assert names <= set(ApiKey.objects.filter(account=account).values_list("name", flat=True))
    filtered = _query(
        api,
        metrics=["total_usage"],
        filters=[{"field": "api_key_id", "operator": "eq", "value": key.hash}],
        time_range=_activity_range(),
    )
    activity = api.get("/activity", api_key_hash=key.hash).json()["data"]
    assert filtered["data"][0]["total_usage"] == pytest.approx(
        sum(r["usage"] for r in activity), abs=1e-5
    )
    by_numeric = _query(
        api,
        metrics=["total_usage"],
        filters=[{"field": "api_key_id", "operator": "eq", "value": key.numeric_id}],
        time_range=_activity_range(),
    )
    assert by_numeric["data"] == filtered["data"]


def test_unresolvable_key_filter_warns_and_matches_nothing(sandbox_account):
    _account, secret = sandbox_account
    data = _query(
        Api(secret),
        metrics=["request_count"],
        filters=[{"field": "api_key_id", "operator": "in", "value": ["f" * 64]}],
    )
    assert data["data"][0]["request_count"] == "0"
    assert "api_key_id" in data["warnings"][0]


def test_in_and_not_in_partition_the_total(sandbox_account):
    _account, secret = sandbox_account
    api = Api(secret)
    tr = _activity_range()
    models = [
        r["model"]
        for r in _query(api, metrics=["total_usage"], dimensions=["model"], time_range=tr)["data"]
    ]
    pick = models[:1]

    def total(filters):
        return _query(api, metrics=["total_usage"], filters=filters, time_range=tr)["data"][0][
            "total_usage"
        ]

    everything = total([])
    inside = total([{"field": "model", "operator": "in", "value": pick}])
    outside = total([{"field": "model", "operator": "not_in", "value": pick}])
    neq = total([{"field": "model", "operator": "neq", "value": pick[0]}])
    assert inside + outside == pytest.approx(everything, abs=1e-5)
    assert neq == pytest.approx(outside, abs=1e-5)


def test_include_unset_adds_unattributed_rows(sandbox_account):
    account, secret = sandbox_account
    api = Api(secret)
    ActivityRecord.objects.create(
        account=account,
        date=utc_today(),
        key_hash=None,
        model="openai/gpt-4.1",
        model_permaslug="openai/gpt-4.1-2025-04-14",
        endpoint_id=uuid.uuid4(),
        provider_name="OpenAI",
        requests=7,
        usage=1.5,
    )
    key = ApiKey.objects.filter(account=account, is_management=False).first()
    base = {"field": "api_key_id", "operator": "not_in", "value": [key.hash]}
    without = _query(api, metrics=["request_count"], filters=[base])["data"][0]
    with_unset = _query(api, metrics=["request_count"], filters=[{**base, "include_unset": True}])
    assert int(with_unset["data"][0]["request_count"]) == int(without["request_count"]) + 7
    grouped = _query(api, metrics=["request_count"], dimensions=["api_key_id"])["data"]
    assert any(r["api_key_id"] is None for r in grouped)


def test_order_by_limit_and_truncation(sandbox_account):
    _account, secret = sandbox_account
    api = Api(secret)
    tr = _activity_range()
    full = _query(
        api,
        metrics=["total_usage"],
        dimensions=["model"],
        time_range=tr,
        order_by={"field": "total_usage", "direction": "asc"},
    )
    values = [r["total_usage"] for r in full["data"]]
    assert values == sorted(values)
    top = _query(
        api,
        metrics=["total_usage"],
        dimensions=["model"],
        time_range=tr,
        limit=1,
        order_by={"field": "total_usage", "direction": "desc"},
    )
    assert top["metadata"] == {**top["metadata"], "row_count": 1, "truncated": True}
    assert top["data"][0]["total_usage"] == max(values)


def test_group_limit_caps_rows_per_dimension_value(sandbox_account):
    _account, secret = sandbox_account
    data = _query(
        Api(secret),
        metrics=["request_count"],
        dimensions=["model"],
        granularity="day",
        group_limit=2,
        time_range=_activity_range(),
    )
    counts = defaultdict(int)
    for row in data["data"]:
        counts[row["model"]] += 1
    assert counts and max(counts.values()) <= 2


def test_workspace_and_user_dimensions_show_names(sandbox_account):
    account, secret = sandbox_account
    rows = _query(Api(secret), metrics=["request_count"], dimensions=["workspace", "user"])["data"]
    ws_names = set(account.workspaces.values_list("name", flat=True))
    assert {r["workspace"] for r in rows} <= ws_names
    assert all(" " in r["user"] for r in rows)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"metrics": ["bogus_metric"]}, "bogus_metric"),
        ({"metrics": ["request_count"], "dimensions": ["colour"]}, "colour"),
        ({"metrics": ["request_count"], "granularity": "decade"}, "decade"),
        ({"metrics": []}, "metrics"),
        ({}, "metrics"),
        (
            {
                "metrics": ["request_count"],
                "filters": [{"field": "model", "operator": "like", "value": "x"}],
            },
            "like",
        ),
        (
            {
                "metrics": ["request_count"],
                "filters": [{"field": "model", "operator": "in", "value": "x"}],
            },
            "array",
        ),
        (
            {
                "metrics": ["request_count"],
                "time_range": {"start": "2026-01-01T00:00Z", "end": "2026-01-02T00:00Z"},
            },
            "seconds",
        ),
        (
            {
                "metrics": ["request_count"],
                "time_range": {"start": "2026-01-02T00:00:00Z", "end": "2026-01-01T00:00:00Z"},
            },
            "before",
        ),
        ({"metrics": ["request_count"], "dimensions": ["model", "provider", "user"]}, "2"),
        ({"metrics": ["request_count"], "order_by": {"field": "nope", "direction": "asc"}}, "nope"),
        ({"metrics": ["request_count"], "limit": 0}, "limit"),
    ],
)
def test_invalid_queries_are_400_naming_the_problem(sandbox_account, body, fragment):
    _account, secret = sandbox_account
    response = Api(secret).post("/analytics/query", body)
    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]


def test_inference_key_is_refused(sandbox_account):
    _account, secret = sandbox_account
    _hash, ordinary = inference_key(Api(secret))
    assert Api(ordinary).get("/analytics/meta").status_code == 403
    assert Api(ordinary).post("/analytics/query", {"metrics": ["request_count"]}).status_code == 403


def test_sdk_parses_meta_and_query(sandbox_account):
    _account, secret = sandbox_account
    client = sdk(secret)
    meta = client.analytics.get_analytics_meta()
    assert meta.data.metrics[0].name == "request_count"
    end = datetime.combine(utc_today(), datetime.min.time(), tzinfo=UTC)
    result = client.analytics.query_analytics(
        metrics=["request_count", "total_usage"],
        dimensions=["model"],
        granularity="day",
        time_range={"start": end - timedelta(days=7), "end": end},
        filters=[{"field": "provider", "operator": "in", "value": ["openai", "Anthropic"]}],
        order_by={"field": "date", "direction": "asc"},
        limit=50,
    )
    assert result.data.metadata.row_count == len(result.data.data)
    assert result.data.metadata.truncated in (True, False)

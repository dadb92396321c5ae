"""Spend at a million rows, in PostgreSQL.

1,000,000 fact rows (365 UTC days, 40 models, 200 keys, 50 members, 10 workspaces) are
ingested through the sync's own write path, then: dashboard server time (p50/p95) for
30/90/365 days, a filtered drill-down, the CSV export's time and peak memory at two
sizes, ingest throughput with the replay check, and the same dashboard figures computed
by scanning raw rows without rollups or indexes.

Run: ``python -m bench spend`` (needs PostgreSQL at BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/console_bench_spend; the database is created).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
import tracemalloc
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

from bench import common

DB_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/console_bench_spend"
)
DAYS, MODELS, KEYS, MEMBERS, WORKSPACES = 365, 40, 200, 50, 10
TARGET_FACTS = 1_000_000
REPEAT = int(os.environ.get("BENCH_REPEAT", "25"))
RESULTS = Path(__file__).resolve().parent / "results" / "spend.json"


def _setup_django() -> None:
    common.setup_django(DB_URL)


def _pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- data ---------------------------------------------------------------------------------


def _world(rng: random.Random):
    models = [f"vendor{m % 10}/model-{m:02d}" for m in range(MODELS)]
    providers = [f"Provider {m % 10}" for m in range(MODELS)]
    prices = [rng.uniform(0.0001, 0.02) for _ in range(MODELS)]
    members = [f"user_bench{m:03d}" for m in range(MEMBERS)]
    workspaces = [f"00000000-0000-4000-8000-{w:012d}" for w in range(WORKSPACES)]
    keys = []
    for k in range(KEYS):
        favourites = rng.sample(range(MODELS), 20)
        keys.append(
            {
                "hash": f"{k:064x}",
                "name": f"key-{k:03d}",
                "workspace": workspaces[k % WORKSPACES],
                "user": members[k % MEMBERS],
                "models": favourites,
            }
        )
    # Each key uses each favourite on a given day with this probability: ~1M rows a year.
    p_use = TARGET_FACTS * 1.053 / (DAYS * KEYS * 20)
    return models, providers, prices, members, workspaces, keys, p_use


def _upstream_day(day: date, world, rng: random.Random):
    """One day's ``/activity?group_by=workspace`` items and analytics rows (dicts)."""
    models, providers, prices, _members, _ws, keys, p_use = world
    key_rows, activity = [], defaultdict(lambda: [0, 0.0, 0, 0, 0.0])
    weekday = 0.5 if day.weekday() >= 5 else 1.0
    for key in keys:
        for m in key["models"]:
            if rng.random() > p_use:
                continue
            requests = max(1, int(rng.expovariate(1 / (30 * weekday))))
            prompt, completion = requests * rng.randint(200, 2000), requests * rng.randint(50, 600)
            cost = round((prompt + completion) / 1000 * prices[m], 6)
            byok = rng.random() < 0.05
            key_rows.append(
                {
                    "date__day": f"{day.isoformat()}T00:00:00.000Z",
                    "api_key_id": key["hash"],
                    "model": models[m],
                    "request_count": str(requests),
                    "total_usage": 0.0 if byok else cost,
                }
            )
            slot = activity[(m, key["workspace"])]
            slot[0] += requests
            slot[1] += 0.0 if byok else cost
            slot[2] += prompt
            slot[3] += completion
            slot[4] += cost if byok else 0.0
    items = [
        {
            "date": day.isoformat(),
            "model": models[m],
            "model_permaslug": models[m],
            "endpoint_id": f"ep-{m:02d}",
            "provider_name": providers[m],
            "workspace_id": ws,
            "requests": v[0],
            "usage": round(v[1], 6),
            "byok_usage_inference": round(v[4], 6),
            "prompt_tokens": v[2],
            "completion_tokens": v[3],
            "reasoning_tokens": 0,
            "cached_tokens": 0,
        }
        for (m, ws), v in activity.items()
    ]
    return items, key_rows


def _reset(world):
    from django.db import connection

    from apps.accounts.models import Membership, Organisation, User
    from apps.keys.models import Key
    from apps.workspaces.models import Workspace

    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE spend_spendfact, spend_spendrollup, spend_spendrollupmonth, "
            "spend_daydigest, spend_activityday, spend_keyday, "
            "workspaces_workspace, syncs_syncrun, syncs_syncstate, "
            "spend_creditsnapshot, spend_alert, spend_budget, spend_spendsettings, "
            "members_upstreamidentity RESTART IDENTITY CASCADE"
        )
    org, _ = Organisation.objects.get_or_create(slug="bench", defaults={"name": "Bench Org"})
    user = User.objects.filter(email="finance@bench.test").first() or User.objects.create_user(
        email="finance@bench.test",
        password="bench-password-1",  # noqa: S106
    )
    Membership.objects.get_or_create(user=user, organisation=org, defaults={"role": "finance"})
    from django.utils import timezone

    _models, _p, _pr, _members, workspaces, keys, _ = world
    Workspace.objects.bulk_create(
        Workspace(organisation=org, workspace_id=ws, name=f"Workspace {i}", slug=f"ws-{i}")
        for i, ws in enumerate(workspaces)
    )
    Key.objects.filter(organisation=org).delete()
    Key.objects.bulk_create(
        Key(
            organisation=org,
            hash=k["hash"],
            name=k["name"],
            workspace_id=k["workspace"],
            creator_user_id=k["user"],
            created_at=timezone.now(),
            synced_at=timezone.now(),
        )
        for k in keys
    )
    return org, user


def _ingest(org, days, payloads, window: int = 30) -> tuple[float, int]:
    """Feed the sync's write path the way a sync run does: one call per 30-day window."""
    from apps.spend.services.sync import activity_apply

    started = time.perf_counter()
    rows = 0
    for i in range(0, len(days), window):
        chunk = days[i : i + window]
        items = [item for day in chunk for item in payloads[day][0]]
        key_rows = [row for day in chunk for row in payloads[day][1]]
        rows += activity_apply(org, chunk, items, key_rows)
    return time.perf_counter() - started, rows


def _checksum(org, start, end):
    from django.db.models import Count, Sum

    from apps.spend.models import ActivityDay, KeyDay, SpendFact, SpendRollup

    out = []
    for model in (ActivityDay, KeyDay, SpendFact, SpendRollup):
        agg = model.objects.filter(organisation=org, date__range=(start, end)).aggregate(
            n=Count("id"), u=Sum("usage_micros")
        )
        out.append((model.__name__, agg["n"], agg["u"]))
    return out


# --- measurements ---------------------------------------------------------------------------


def _time_get(client, url, params, repeat) -> list[float]:
    samples = []
    client.get(url, params)  # warm-up
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, params)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        assert b'data-testid="filter-errors"' not in response.content, params
    return samples


def _export(client, params) -> tuple[float, int, int]:
    from django.urls import reverse

    started = time.perf_counter()
    response = client.get(reverse("spend:export"), params)
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += 1
    return (time.perf_counter() - started), lines - 1, size


def _export_memory(client, params) -> int:
    tracemalloc.start()
    _export(client, params)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


RAW_SQL = [
    "SELECT date, SUM(usage_micros), SUM(byok_micros), SUM(requests) FROM bench_raw_spend WHERE organisation_id=%s AND date BETWEEN %s AND %s GROUP BY date",
    *[
        f"SELECT {col}, SUM(usage_micros), SUM(byok_micros), SUM(requests) FROM bench_raw_spend "  # noqa: S608
        f"WHERE organisation_id=%s AND date BETWEEN %s AND %s GROUP BY {col}"
        for col in ("model", "provider", "workspace_id", "key_hash", "user_id")
    ],
]


def _raw_scan(org, start, end, prev_start, prev_end) -> tuple[float, int]:
    from django.db import connection

    started = time.perf_counter()
    total = 0
    with connection.cursor() as cur:
        for i, sql in enumerate(RAW_SQL):
            cur.execute(sql, [org.pk, start, end])
            rows = cur.fetchall()
            if i == 0:
                total = sum(int(r[1]) for r in rows)
        for sql in (RAW_SQL[0], RAW_SQL[1], RAW_SQL[3], RAW_SQL[4]):
            cur.execute(sql, [org.pk, prev_start, prev_end])
            cur.fetchall()
    return (time.perf_counter() - started) * 1000, total


def main() -> None:
    _setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from apps.spend.filters import Filters
    from apps.spend.models import SpendFact
    from apps.spend.money import to_dollars

    settings.ALLOWED_HOSTS = ["*"]
    rng = random.Random(2026)
    world = _world(rng)
    org, user = _reset(world)
    today = date.today()
    days = [today - timedelta(days=n) for n in range(DAYS, 0, -1)]
    print(f"generating {DAYS} days of upstream rows …", flush=True)
    payloads = {day: _upstream_day(day, world, rng) for day in days}

    print("ingesting through the sync's write path …", flush=True)
    seconds, upstream_rows = _ingest(org, days, payloads)
    facts = SpendFact.objects.filter(organisation=org).count()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    window = days[-30:]
    before = _checksum(org, window[0], window[-1])
    replay_seconds, replay_rows = _ingest(org, window, payloads)
    after = _checksum(org, window[0], window[-1])
    from apps.spend.models import DayDigest

    DayDigest.objects.filter(organisation=org, date__in=window).delete()
    rewrite_seconds, rewrite_rows = _ingest(org, window, payloads)
    rewritten = _checksum(org, window[0], window[-1])
    replay_ok = before == after == rewritten

    client = Client()
    client.force_login(user)
    url = reverse("spend:dashboard")
    load_before = common.load_line()
    baseline = common.time_baseline_page(client, runs=max(REPEAT, 25))
    results: dict = {
        "load": load_before,
        "baseline_page": baseline.as_dict(),
        "rows": {"facts": facts, "upstream_rows_ingested": upstream_rows},
        "ingest": {
            "seconds": round(seconds, 2),
            "rows_per_second": round(upstream_rows / seconds),
            "replay_unchanged_days_rows_per_second": round(replay_rows / replay_seconds),
            "replay_forced_rewrite_rows_per_second": round(rewrite_rows / rewrite_seconds),
            "replay_unchanged": replay_ok,
        },
        "dashboard_ms": {},
    }
    end = days[-1]
    for span in (30, 90, 365):
        params = {"start": (end - timedelta(days=span - 1)).isoformat(), "end": end.isoformat()}
        samples = _time_get(client, url, params, REPEAT)
        results["dashboard_ms"][f"{span}d"] = {
            "p50": round(statistics.median(samples), 1),
            "p95": round(_pct(samples, 95), 1),
            "x_baseline_page": round(statistics.median(samples) / baseline.p50_ms, 1),
        }
    year = {"start": (end - timedelta(days=364)).isoformat(), "end": end.isoformat()}
    _m, _p, _pr, members, workspaces, keys, _ = world
    drill = {
        "workspace": {**year, "workspace": workspaces[3]},
        "key": {**year, "key": keys[7]["hash"]},
        "model+workspace": {**year, "model": "vendor3/model-13", "workspace": workspaces[3]},
        "member": {**year, "member": members[5]},
    }
    results["drilldown_ms"] = {}
    for name, params in drill.items():
        samples = _time_get(client, url, params, REPEAT)
        results["drilldown_ms"][name] = {
            "p50": round(statistics.median(samples), 1),
            "p95": round(_pct(samples, 95), 1),
            "x_baseline_page": round(statistics.median(samples) / baseline.p50_ms, 1),
        }

    results["export"] = {}
    for span in (90, 365):
        params = {"start": (end - timedelta(days=span - 1)).isoformat(), "end": end.isoformat()}
        secs, lines, size = _export(client, params)
        peak = _export_memory(client, params)
        results["export"][f"{span}d"] = {
            "rows": lines,
            "seconds": round(secs, 2),
            "mb": round(size / 1e6, 1),
            "peak_memory_kb": round(peak / 1024),
        }

    # The same figures from the raw rows: a copy of the facts with no index, no rollups.
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_raw_spend")
        cur.execute("CREATE TABLE bench_raw_spend AS SELECT * FROM spend_spendfact")
        cur.execute("ANALYZE bench_raw_spend")
    results["raw_scan_ms"] = {}
    for span in (30, 90, 365):
        f = Filters(start=end - timedelta(days=span - 1), end=end)
        prev = f.previous
        samples, total = [], 0
        for _ in range(max(5, REPEAT // 5)):
            ms, total = _raw_scan(org, f.start, f.end, prev.start, prev.end)
            samples.append(ms)
        console_p50 = results["dashboard_ms"][f"{span}d"]["p50"]
        from apps.spend.selectors import Scope, dashboard_get

        assert to_dollars(total) == dashboard_get(org, f, Scope()).total, "raw scan disagrees"
        results["raw_scan_ms"][f"{span}d"] = {
            "p50": round(statistics.median(samples), 1),
            "ratio_vs_console_page": round(statistics.median(samples) / console_p50, 1),
        }
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_raw_spend")
    results["upstream_calls_per_page_view"] = 0  # pages read local tables; see tests/spend

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    _print(results)


def _print(r: dict) -> None:
    print()
    print(
        f"facts: {r['rows']['facts']:,}   upstream rows ingested: {r['rows']['upstream_rows_ingested']:,}"
    )
    i = r["ingest"]
    print(
        f"ingest: {i['rows_per_second']:,} rows/s ({i['seconds']} s); 30-day replay: "
        f"{i['replay_unchanged_days_rows_per_second']:,} rows/s (unchanged days skipped), "
        f"{i['replay_forced_rewrite_rows_per_second']:,} rows/s (forced rewrite); "
        f"tables unchanged after both: {i['replay_unchanged']}"
    )
    b = r["baseline_page"]
    print(f"{r['load']}; baseline page p50 {b['p50_ms']} ms ({b['queries']} queries)")
    print(f"{'view':<28}{'p50 ms':>10}{'p95 ms':>10}{'x base':>8}")
    for span, v in r["dashboard_ms"].items():
        print(f"{'dashboard ' + span:<28}{v['p50']:>10}{v['p95']:>10}{v['x_baseline_page']:>8}")
    for name, v in r["drilldown_ms"].items():
        print(
            f"{'drill-down 365d ' + name:<28}{v['p50']:>10}{v['p95']:>10}{v['x_baseline_page']:>8}"
        )
    print(f"{'raw scan':<28}{'p50 ms':>10}{'ratio':>10}")
    for span, v in r["raw_scan_ms"].items():
        print(f"{'raw ' + span:<28}{v['p50']:>10}{v['ratio_vs_console_page']:>10}")
    print(f"{'export':<14}{'rows':>10}{'seconds':>10}{'MB':>8}{'peak KB':>10}")
    for span, v in r["export"].items():
        print(f"{span:<14}{v['rows']:>10,}{v['seconds']:>10}{v['mb']:>8}{v['peak_memory_kb']:>10,}")
    print(f"written to {RESULTS}")

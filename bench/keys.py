"""Keys list benchmark: 10,000 keys in PostgreSQL, server time and SQL queries per page.

Measures four pages (first page, a search, a filtered sort, a page deep in the list) at
100 and at 10,000 keys, through Django's test client (so middleware, the view, the
selector and the template are all in the figure), beside the same run's baselines
(bench/common.py): the minimal authenticated page and the raw SQL of the page's main query.

Targets, as ratios and counts (absolute times are printed as information): p50 within
``X_BASELINE`` times the minimal page, at most 12 queries, and the same query count at
both sizes (the page's cost does not grow with the number of keys).

BENCH_DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/console_bench.
"""

from __future__ import annotations

import json
import os
import random
from datetime import UTC, datetime, timedelta

from bench import common

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/console_bench")
SIZES = (100, 10_000)
RUNS = int(os.environ.get("BENCH_RUNS", "60"))
TARGETS = {"x_baseline_page": 6.0, "queries": 12}
RESULTS = common.RESULTS / "keys.json"


WORDS = [
    "checkout",
    "support",
    "search",
    "billing",
    "ci",
    "data",
    "mobile",
    "wiki",
    "sales",
    "eval",
    "notebook",
    "summary",
    "translate",
    "ops",
    "review",
    "analytics",
    "marketing",
    "legal",
    "agents",
    "onboarding",
    "qa",
    "recsys",
    "voice",
    "hr",
    "partner",
    "importer",
    "prod",
    "staging",
    "dev",
    "batch",
]


def _seed(size: int):
    from apps.accounts.models import Membership, Organisation, User
    from apps.accounts.roles import Role
    from apps.keys.models import Key
    from apps.syncs.models import SyncState
    from apps.workspaces.models import Workspace

    slug = f"bench-{size}"
    Organisation.objects.filter(slug=slug).delete()
    org = Organisation.objects.create(name=f"Bench {size}", slug=slug)
    user, _ = User.objects.get_or_create(email=f"admin@{slug}.test")
    Membership.objects.create(user=user, organisation=org, role=Role.ADMIN)
    rng = random.Random(size)
    now = datetime.now(UTC)
    workspaces = [{"id": f"ws-{i}", "name": f"Workspace {i}"} for i in range(8)]
    creators = [f"user{i}@{slug}.test" for i in range(25)]
    keys = []
    for i in range(size):
        limit = rng.choice([None, 5.0, 20.0, 100.0, 500.0])
        usage_month = round(rng.uniform(0, 300), 4)
        reset = rng.choice(["", "daily", "weekly", "monthly"]) if limit else ""
        used = min(limit, usage_month) if limit else None
        ws = rng.choice(workspaces)
        last_used = (
            now - timedelta(hours=rng.randrange(0, 24 * 120)) if rng.random() < 0.85 else None
        )
        key = Key(
            organisation=org,
            hash=f"{size:06d}{i:058d}",
            name=f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{i}",
            label=f"sk-or-v1-{i:03d}...{i % 1000:03d}",
            workspace_id=ws["id"],
            workspace_name=ws["name"],
            disabled=rng.random() < 0.1,
            limit=limit,
            limit_remaining=(limit - used) if limit else None,
            limit_reset=reset,
            usage=usage_month * 3,
            usage_daily=round(usage_month / 30, 4),
            usage_weekly=round(usage_month / 4, 4),
            usage_monthly=usage_month,
            created_at=now - timedelta(days=rng.randrange(0, 700), seconds=i),
            expires_at=now + timedelta(days=rng.randrange(-30, 365))
            if rng.random() < 0.4
            else None,
            last_used_at=last_used,
            creator_label=rng.choice(creators),
            synced_at=now,
        )
        key.refresh_derived()
        keys.append(key)
    Key.objects.bulk_create(keys, batch_size=2000)
    Workspace.objects.bulk_create(
        Workspace(organisation=org, workspace_id=ws["id"], name=ws["name"]) for ws in workspaces
    )
    SyncState.objects.create(
        organisation=org,
        stream="keys",
        last_success_at=now,
        last_finished_at=now,
        rows_written=size,
        last_message=f"{size} keys synced",
    )
    return org, user


def _deep_cursor(org) -> str:
    """The cursor that opens the last-but-one page when sorted by name."""
    from apps.core import keyset
    from apps.keys.models import Key
    from apps.keys.selectors import PAGE_SIZE

    total = Key.objects.filter(organisation=org).count()
    position = max(0, total - 2 * PAGE_SIZE)
    anchor = Key.objects.filter(organisation=org).order_by("name", "id")[position]
    return keyset.encode(anchor, "name")


def _scenarios(org) -> dict[str, dict]:
    return {
        "first page": {},
        "search": {"q": "prod"},
        "filtered sort": {"state": "active", "sort": "usage_month"},
        "deep page": {"after": _deep_cursor(org)},
    }


def _main_query(org, params: dict):
    """The queryset the list runs for these filters (its SQL is the raw baseline)."""
    from apps.keys.forms import KeyFilterForm
    from apps.keys.selectors import LIST_COLUMNS, PAGE_SIZE, keys_filtered

    filters = KeyFilterForm(params or None).filters()
    prefix = "-" if filters.is_descending else ""
    return (
        keys_filtered(org, filters)
        .only(*LIST_COLUMNS)
        .order_by(f"{prefix}{filters.column}", f"{prefix}id")[: PAGE_SIZE + 1]
    )


def run() -> bool:
    common.setup_django(DB_URL)
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    load_before = common.load_line()
    results: dict[str, dict] = {}
    baselines: dict[str, dict] = {}
    for size in SIZES:
        org, user = _seed(size)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE keys_key")
        client = Client()
        client.force_login(user)
        baseline = common.time_baseline_page(client, runs=RUNS)
        baselines[str(size)] = baseline.as_dict()
        rows = {}
        for name, params in _scenarios(org).items():
            page = common.time_page(client, reverse("keys:list"), params, runs=RUNS)
            sql_ms = common.time_sql(_main_query(org, params), runs=RUNS)
            rows[name] = {
                **page.as_dict(),
                "raw_sql_p50_ms": round(sql_ms, 2),
                **common.ratios(page, baseline, sql_ms),
            }
        results[str(size)] = rows

    big, small = results[str(SIZES[-1])], results[str(SIZES[0])]
    ok = True
    print(f"\nKeys list benchmark ({RUNS} runs each, PostgreSQL, full request through middleware)")
    print(f"before: {load_before}; after: {common.load_line()}")
    for size in SIZES:
        b = baselines[str(size)]
        print(f"  baseline page at {size} keys: p50 {b['p50_ms']} ms, {b['queries']} queries")
    print(
        f"{'page':<15}{'keys':>8}{'p50 ms':>9}{'p95 ms':>9}{'x base':>8}{'sql ms':>8}{'x sql':>7}{'queries':>9}"
    )
    for size in SIZES:
        for name, row in results[str(size)].items():
            print(
                f"{name:<15}{size:>8}{row['p50_ms']:>9.2f}{row['p95_ms']:>9.2f}"
                f"{row['x_baseline_page']:>8.2f}{row['raw_sql_p50_ms']:>8.2f}{row['x_raw_sql']:>7.1f}{row['queries']:>9}"
            )
    for name in big:
        row = big[name]
        checks = {
            "x baseline": row["x_baseline_page"] <= TARGETS["x_baseline_page"],
            "queries": row["queries"] <= TARGETS["queries"],
            "same count": row["queries"] == small[name]["queries"],
        }
        row["meets_targets"] = all(checks.values())
        ok &= row["meets_targets"]
        if not row["meets_targets"]:
            print(f"  {name}: misses {', '.join(k for k, v in checks.items() if not v)}")
    print("All targets met." if ok else "Some targets missed.")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "runs": RUNS,
                "load": [load_before, common.load_line()],
                "targets": TARGETS,
                "baselines": baselines,
                "results": results,
                "all_targets_met": ok,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"Wrote {RESULTS}")
    return ok

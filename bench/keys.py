"""Keys list benchmark: 10,000 keys in PostgreSQL, server time and SQL queries per page.

Measures four pages (first page, a search, a filtered sort, a page deep in the list) at
100 and at 10,000 keys, through Django's test client (so middleware, the view, the
selector and the template are all in the figure). Targets: p50 <= 30 ms, p95 <= 80 ms,
at most 8 queries, and the same query count at both sizes.

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/console_bench (created if missing).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/console_bench"
SIZES = (100, 10_000)
RUNS = 60
WARMUP = 8
TARGETS = {"p50_ms": 30.0, "p95_ms": 80.0, "queries": 8}
RESULTS = Path(__file__).resolve().parent / "results" / "keys.json"


def _environment() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("SANDBOX_ENABLED", "false")
    os.environ.setdefault("DATA_DIR", str(Path(tempfile.gettempdir()) / "console-bench"))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "console.settings"


def _ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


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
    from apps.keys.models import Key
    from apps.keys.selectors import PAGE_SIZE, encode_cursor

    total = Key.objects.filter(organisation=org).count()
    position = max(0, total - 2 * PAGE_SIZE)
    anchor = Key.objects.filter(organisation=org).order_by("name", "id")[position]
    return encode_cursor(anchor, "name")


def _scenarios(org) -> dict[str, dict]:
    return {
        "first page": {},
        "search": {"q": "prod"},
        "filtered sort": {"state": "active", "sort": "usage_month"},
        "deep page": {"after": _deep_cursor(org)},
    }


def _measure(client, params: dict) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    url = reverse("keys:list")
    for _ in range(WARMUP):
        assert client.get(url, params).status_code == 200
    timings, cpu = [], []
    for _ in range(RUNS):
        start, cpu_start = time.perf_counter(), time.thread_time()
        response = client.get(url, params)
        timings.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - cpu_start) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as captured:
        client.get(url, params)
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 2),
        # This process's CPU time alone: steadier than wall time on a busy machine.
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "queries": len(captured.captured_queries),
        "rows": len(response.context["keys"]) if response.context else None,
    }


def run() -> bool:
    _environment()
    _ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0, interactive=False)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    results: dict[str, dict] = {}
    load = os.getloadavg()
    for size in SIZES:
        org, user = _seed(size)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE keys_key")
        client = Client()
        client.force_login(user)
        results[str(size)] = {
            name: _measure(client, params) for name, params in _scenarios(org).items()
        }

    big, small = results[str(SIZES[-1])], results[str(SIZES[0])]
    ok = True
    print(f"\nKeys list benchmark ({RUNS} runs each, PostgreSQL, full request through middleware)")
    print(
        f"load average before: {load[0]:.2f}, after: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)"
    )
    print(f"{'page':<15}{'keys':>8}{'p50 ms':>9}{'p95 ms':>9}{'cpu p50':>9}{'queries':>9}")
    for size in SIZES:
        for name, row in results[str(size)].items():
            print(
                f"{name:<15}{size:>8}{row['p50_ms']:>9.2f}{row['p95_ms']:>9.2f}"
                f"{row['cpu_p50_ms']:>9.2f}{row['queries']:>9}"
            )
    for name in big:
        row = big[name]
        checks = {
            "p50": row["p50_ms"] <= TARGETS["p50_ms"],
            "p95": row["p95_ms"] <= TARGETS["p95_ms"],
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
                "load_average": [round(load[0], 2), round(os.getloadavg()[0], 2)],
                "cpus": os.cpu_count(),
                "targets": TARGETS,
                "results": results,
                "all_targets_met": ok,
            },
            indent=2,
        )
        + "\n"
    )
    print(
        f"Wrote {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}"
    )
    return ok

"""Model catalog benchmark: the Models page with every model the sandbox lists, in PostgreSQL.

The mirror is filled the real way: the catalog stream runs against the in-process sandbox
(its own database beside this one). Then the Models page is measured through Django's test
client (middleware, view, selector and template in the figure): first page, a search, a
filtered and sorted page, ZDR with a supported parameter, the next page of a keyset, and a
picker search (``catalog:pick``). The same pages are measured again with the mirror grown
fifty-fold (copies of every model), to show the figures hold for a catalog the size of
OpenRouter's. Targets: p50 <= 30 ms, at most 8 queries, the same count at both sizes.

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/console_bench_catalog (created
if missing, with its ``_sandbox`` sibling).
"""

from __future__ import annotations

import json
import os
import re
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import common

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/console_bench_catalog"
RUNS = 60
WARMUP = 8
GROWTH = 50
TARGETS = {"p50_ms": 30.0, "queries": 8}
RESULTS = Path(__file__).resolve().parent / "results" / "catalog.json"
ACCOUNT = "org_bench000000000000000000001"


def _copy(row, **changes):
    fields = {f.attname: getattr(row, f.attname) for f in row._meta.fields if f.attname != "id"}
    return type(row)(**(fields | changes))


def _grow(org, times: int) -> int:
    """Copies of every mirrored model (and its endpoints) under new ids: a bigger catalog."""
    from apps.catalog.models import CatalogEndpoint, CatalogModel

    originals = list(
        CatalogModel.objects.filter(organisation=org, gone_at__isnull=True).order_by("id")
    )
    position = {m.pk: i for i, m in enumerate(originals)}
    endpoints = list(CatalogEndpoint.objects.filter(organisation=org))
    for n in range(1, times):
        made = CatalogModel.objects.bulk_create(
            _copy(
                m,
                model_id=f"{m.model_id}-v{n}",
                name=f"{m.name} v{n}",
                canonical_slug=f"{m.canonical_slug}-v{n}",
            )
            for m in originals
        )
        CatalogEndpoint.objects.bulk_create(
            _copy(e, model_id=made[position[e.model_id]].pk) for e in endpoints
        )
    return CatalogModel.objects.filter(organisation=org).count()


def _next_cursor(client) -> str:
    from django.urls import reverse

    found = re.search(
        r"[?&;]after=([A-Za-z0-9_=-]+)", client.get(reverse("catalog:list")).content.decode()
    )
    return found.group(1) if found else ""


def _scenarios(client) -> dict[str, tuple[str, dict, dict]]:
    from django.urls import reverse

    page = reverse("catalog:list")
    htmx = {"HTTP_HX_REQUEST": "true"}
    return {
        "first page": (page, {}, {}),
        "search": (page, {"q": "gpt"}, htmx),
        "filtered+sorted": (
            page,
            {"modality": "text", "context": "128000", "max_input": "5", "sort": "output_price"},
            htmx,
        ),
        "zdr+parameter": (page, {"zdr": "on", "parameter": "tools", "provider": "azure"}, htmx),
        "next page": (page, {"after": _next_cursor(client)}, htmx)
        if _next_cursor(client)
        else None,
        "picker search": (
            reverse("catalog:pick"),
            {"kind": "model", "name": "m", "id": "id_m", "multiple": "1", "m-q": "claude"},
            htmx,
        ),
    }


def _measure(client, url: str, params: dict, headers: dict) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARMUP):
        assert client.get(url, params, **headers).status_code == 200
    timings, cpu = [], []
    for _ in range(RUNS):
        start, cpu_start = time.perf_counter(), time.thread_time()
        response = client.get(url, params, **headers)
        timings.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - cpu_start) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params, **headers)
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 2),
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "queries": len(captured.captured_queries),
        "rows": response.content.decode().count('<tr id="model-'),
    }


def run() -> bool:
    common.setup_with_sandbox(DEFAULT_URL)
    from django.db import connection
    from django.test import Client

    from apps.accounts.roles import Role
    from apps.catalog.models import CatalogModel
    from apps.sandbox.catalog import MODELS
    from apps.syncs.runner import sync_run

    org, user, _secret = common.seeded_organisation(
        ACCOUNT, "bench-catalog", "member@bench-catalog.test", Role.MEMBER
    )
    clock = time.perf_counter()
    outcome = sync_run(org, "catalog")
    sync_seconds = time.perf_counter() - clock
    assert outcome.run.ok, outcome.run.error
    listed = CatalogModel.objects.filter(organisation=org).count()
    assert listed == len(MODELS), (listed, len(MODELS))
    client = Client()
    client.force_login(user)
    load = os.getloadavg()
    results: dict[str, dict] = {}
    sizes = []
    for grow in (1, GROWTH):
        if grow > 1:
            _grow(org, grow)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE catalog_catalogmodel")
            cursor.execute("ANALYZE catalog_catalogendpoint")
        size = CatalogModel.objects.filter(organisation=org).count()
        sizes.append(size)
        results[str(size)] = {
            name: _measure(client, *scenario)
            for name, scenario in _scenarios(client).items()
            if scenario is not None
        }

    small, big = results[str(sizes[0])], results[str(sizes[-1])]
    ok = True
    print(f"\nModel catalog benchmark ({RUNS} runs each, PostgreSQL, full request)")
    print(
        f"catalog sync against the sandbox: {listed} models, {outcome.run.calls} calls, "
        f"{sync_seconds:.2f} s"
    )
    print(
        f"load average before: {load[0]:.2f}, after: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)"
    )
    print(
        f"{'page':<17}{'models':>8}{'p50 ms':>9}{'p95 ms':>9}{'cpu p50':>9}{'queries':>9}{'rows':>6}"
    )
    for size in sizes:
        for name, row in results[str(size)].items():
            print(
                f"{name:<17}{size:>8}{row['p50_ms']:>9.2f}{row['p95_ms']:>9.2f}"
                f"{row['cpu_p50_ms']:>9.2f}{row['queries']:>9}{row['rows']:>6}"
            )
    for name, row in small.items():
        checks = {
            "p50": row["p50_ms"] <= TARGETS["p50_ms"],
            "queries": row["queries"] <= TARGETS["queries"],
            "same count": name not in big or big[name]["queries"] == row["queries"],
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
                "sync": {"models": listed, "calls": outcome.run.calls, "seconds": sync_seconds},
                "targets": TARGETS,
                "results": results,
                "all_targets_met": ok,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"Wrote {RESULTS}")
    return ok

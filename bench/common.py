"""What every benchmark shares: the Django set-up on PostgreSQL, timing a page through the
full middleware stack, and the **baselines** each figure is compared with in the same run.

These machines are shared and noisy (the same page measured 14, 28 and 56 ms p50 a few
hours apart), so absolute times are information and targets are ratios measured in one
run: a page's p50 against (a) a minimal authenticated page through the same middleware
(``keys:badge``: the session, the membership, the role check, one query, a tiny template)
and (b) the raw SQL of the page's main query, executed alone. Query counts are targets too.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def setup_django(db_url: str) -> None:
    """Point Django at ``db_url`` (created if missing), migrate, and ``django.setup()``."""
    os.environ["DATABASE_URL"] = db_url
    os.environ["SANDBOX_ENABLED"] = "false"
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    os.environ.setdefault("DATA_DIR", str(RESULTS / ".data"))
    name = db_url.rsplit("/", 1)[1].split("?")[0]
    admin_url = db_url.rsplit("/", 1)[0] + "/postgres"
    exists = subprocess.run(
        ["psql", admin_url, "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{name}'"],  # noqa: S608
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(["psql", admin_url, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of ``url`` if it is missing."""
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_with_sandbox(default_url: str) -> None:
    """Django on PostgreSQL (``DATABASE_URL``, else ``default_url``) with the in-process
    sandbox on its ``_sandbox`` sibling as upstream: both created if missing and migrated."""
    os.environ.setdefault("DATABASE_URL", default_url)
    os.environ.setdefault("SANDBOX_DATABASE_URL", os.environ["DATABASE_URL"] + "_sandbox")
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("SANDBOX_ENABLED", "true")
    os.environ.setdefault("OPENROUTER_TRANSPORT", "wsgi")
    os.environ.setdefault("OPENROUTER_BASE_URL", "http://testserver/sandbox/api/v1")
    os.environ.setdefault("DATA_DIR", str(Path(tempfile.gettempdir()) / "console-bench"))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "console.settings"
    ensure_database(os.environ["DATABASE_URL"])
    ensure_database(os.environ["SANDBOX_DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("migrate", database="sandbox", verbosity=0, interactive=False)


def seeded_organisation(account_id: str, slug: str, email: str, role: str):
    """A sandbox account (one key, one day, one workspace) connected as organisation
    ``slug`` (made afresh), and a person of ``role`` in it: ``(organisation, user, secret)``."""
    from apps.accounts.models import Membership, Organisation, User
    from apps.sandbox.seed import SeedOptions, seed_account

    _account, secret = seed_account(
        SeedOptions(account_id=account_id, name="Bench", keys=1, days=1, workspaces=1)
    )
    Organisation.objects.filter(slug=slug).delete()
    org = Organisation.objects.create(
        name=slug.replace("-", " ").capitalize(),
        slug=slug,
        base_url=os.environ["OPENROUTER_BASE_URL"],
    )
    org.management_key = secret
    org.save()
    user, _ = User.objects.get_or_create(email=email)
    Membership.objects.create(user=user, organisation=org, role=role)
    return org, user, secret


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p * (len(ordered) - 1)))]


@dataclass
class Timing:
    p50_ms: float
    p95_ms: float
    cpu_p50_ms: float
    queries: int

    def as_dict(self) -> dict:
        return {
            "p50_ms": round(self.p50_ms, 2),
            "p95_ms": round(self.p95_ms, 2),
            "cpu_p50_ms": round(self.cpu_p50_ms, 2),
            "queries": self.queries,
        }


def time_page(
    client, url: str, params: dict | None = None, *, runs: int, warmup: int = 5, **headers
) -> Timing:
    """One page through the test client: middleware, view, selector, template; no network."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        response = client.get(url, params or {}, **headers)
        assert response.status_code == 200, (url, response.status_code)
    wall, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.thread_time()
        response = client.get(url, params or {}, **headers)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - cpu_started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        client.get(url, params or {}, **headers)
    return Timing(statistics.median(wall), pct(wall, 0.95), statistics.median(cpu), len(captured))


def time_baseline_page(client, *, runs: int) -> Timing:
    """The minimal authenticated page (``keys:badge``, as HTMX asks for it)."""
    from django.urls import reverse

    return time_page(client, reverse("keys:badge"), runs=runs, HTTP_HX_REQUEST="true")


def time_sql(queryset, *, runs: int) -> float:
    """p50 ms of the queryset's SQL run alone on a cursor (fetching every row)."""
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    samples = []
    with connection.cursor() as cursor:
        for _ in range(3):
            cursor.execute(sql, params)
            cursor.fetchall()
        for _ in range(runs):
            started = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def ratios(page: Timing, baseline: Timing, sql_ms: float | None) -> dict:
    out = {"x_baseline_page": round(page.p50_ms / baseline.p50_ms, 2)}
    if sql_ms:
        out["x_raw_sql"] = round(page.p50_ms / sql_ms, 1)
    return out


def load_line() -> str:
    load = os.getloadavg()
    return f"load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} on {os.cpu_count()} CPUs"

"""Video poller benchmark: 1,000 running jobs in one organisation, real workers, real HTTP.

The sandbox runs in gunicorn (its own processes, PostgreSQL), set to finish the jobs over a
few minutes (``SANDBOX_VIDEO_SECONDS`` + a random ``SANDBOX_VIDEO_SPREAD_SECONDS``); Celery
workers (prefork, Redis broker) run ``video_poll``; this process plays beat, dispatching due
jobs every ``VIDEO_DISPATCH_SECONDS``. Jobs are placed straight into both tables (the
benchmark is about following jobs, not submitting them).

Figures: upstream calls in the busiest 60 s window (must stay under the per-organisation
bound), delay from upstream completion to the console's table showing it (p50, p95; target
p95 <= two maximum poll intervals), worker CPU seconds per job, run time, load average.

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/console_bench_videos (and
``…_sandbox`` for the sandbox); BENCH_REDIS_URL to redis://127.0.0.1:6379/13.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import signal
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench import common

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/console_bench_videos"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
JOBS = int(os.environ.get("BENCH_VIDEO_JOBS", "1000"))
FINISH_SECONDS, SPREAD_SECONDS = 45, 120  # jobs finish between 45 s and 165 s in
BOUND = int(os.environ.get("BENCH_VIDEO_BOUND", "2400"))  # polls per minute, one organisation
POLL_MAX = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


PORT = int(os.environ.get("BENCH_VIDEO_PORT", "0")) or _free_port()
RESULTS = ROOT / "bench" / "results" / "videos.json"
_ALNUM = string.ascii_letters + string.digits


def _environment() -> dict[str, str]:
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    values = {
        "DATABASE_URL": url,
        "SANDBOX_DATABASE_URL": os.environ.get("SANDBOX_DATABASE_URL", f"{url}_sandbox"),
        "DEBUG": "true",
        "SANDBOX_ENABLED": "true",
        "CELERY_BROKER_URL": REDIS_URL,
        "DATA_DIR": str(Path(tempfile.gettempdir()) / "console-bench-videos"),
        "LOG_LEVEL": "WARNING",
        "OPENROUTER_TRANSPORT": "http",
        "SANDBOX_VIDEO_SECONDS": str(FINISH_SECONDS),
        "SANDBOX_VIDEO_SPREAD_SECONDS": str(SPREAD_SECONDS),
        "VIDEO_POLLS_PER_MINUTE": str(BOUND),
        "VIDEO_POLL_MIN_SECONDS": "3",
        "VIDEO_POLL_MAX_SECONDS": str(POLL_MAX),
        "VIDEO_LEASE_SECONDS": "30",
        "VIDEO_MAX_IN_FLIGHT": "24",
        "PORT": str(PORT),
    }
    os.environ.update(values)
    os.environ["DJANGO_SETTINGS_MODULE"] = "console.settings"
    return values


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its (waited-for and live) children."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15]) / tick  # utime stime cutime cstime
    return total


def _start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen(
        cmd, cwd=ROOT, env={**os.environ, **env}, stdout=handle, stderr=subprocess.STDOUT
    )


def _wait_http(url: str, seconds: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer")


def _seed():
    from django.core.management import call_command
    from django.utils import timezone

    from apps.accounts.models import Organisation
    from apps.inference.services import service_key_for
    from apps.media.models import JobStatus, VideoJob
    from apps.sandbox.models import VideoJob as SandboxJob
    from apps.sandbox.models import Workspace
    from apps.sandbox.seed import SeedOptions, seed_account

    for alias in ("default", "sandbox"):
        call_command("migrate", database=alias, verbosity=0, interactive=False)
        call_command("flush", database=alias, verbosity=0, interactive=False)
    account, secret = seed_account(
        SeedOptions(account_id="org_bench000000000000000000001", name="Bench", keys=2, days=1, workspaces=1, credits=1e6)
    )  # fmt: skip
    org = Organisation.objects.create(
        name="Bench", slug="bench", base_url=f"http://127.0.0.1:{PORT}/sandbox/api/v1"
    )
    org.management_key = secret
    org.save()
    key = service_key_for(org)
    workspace = Workspace.objects.get(account=account, is_default=True)
    now = timezone.now()
    upstream, local = [], []
    for i in range(JOBS):
        job_id = f"gen-vid-{int(now.timestamp())}-{''.join(random.choices(_ALNUM, k=20))}"
        upstream.append(
            SandboxJob(
                id=job_id, account=account, key_hash=key.key_hash, workspace=workspace,
                model="minimax/hailuo-02", prompt=f"bench {i}", params={}, duration_seconds=6,
                cost=0.27, generation_id=f"gen-{secrets.token_hex(10)}", created_at=now,
                finish_seconds=FINISH_SECONDS + random.uniform(0, SPREAD_SECONDS),
            )
        )  # fmt: skip
        local.append(
            VideoJob(
                organisation=org, job_id=job_id, key_hash=key.key_hash, model="minimax/hailuo-02",
                prompt=f"bench {i}", status=JobStatus.PENDING, submitted_at=now,
                next_poll_at=now + timedelta(seconds=random.uniform(0, 3)),
            )
        )  # fmt: skip
    SandboxJob.objects.bulk_create(upstream, batch_size=500)
    VideoJob.objects.bulk_create(local, batch_size=500)
    return org


def run() -> bool:
    env = _environment()
    common.ensure_database(env["DATABASE_URL"])
    common.ensure_database(env["SANDBOX_DATABASE_URL"])
    import django

    django.setup()
    from celery import Celery
    from django.db.models import Sum
    from django.utils import timezone

    from apps.media.models import TERMINAL, VideoJob
    from apps.media.services import poller
    from apps.sandbox.models import VideoJob as SandboxJob

    logs = Path(env["DATA_DIR"])
    logs.mkdir(parents=True, exist_ok=True)
    server = _start(
        [sys.executable, "-m", "gunicorn", "console.wsgi", "-w", "3", "-b", f"127.0.0.1:{PORT}",
         "--access-logfile", "/dev/null"],
        env, logs / "gunicorn.log",
    )  # fmt: skip
    worker = None
    try:
        _wait_http(f"http://127.0.0.1:{PORT}/healthz")
        org = _seed()
        queue = f"bench-videos-{secrets.token_hex(4)}"
        worker = _start(
            [sys.executable, "-m", "celery", "-A", "console", "worker", "-Q", queue, "-c", "4",
             "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            env, logs / "worker.log",
        )  # fmt: skip
        time.sleep(6)  # the worker binds its queue
        sender = Celery("bench", broker=REDIS_URL)
        dispatch_every = 2.0
        started = time.monotonic()
        cpu_start = _cpu_seconds(worker.pid)
        samples: list[tuple[float, int]] = []
        deadline = started + FINISH_SECONDS + SPREAD_SECONDS + 4 * POLL_MAX + 60
        while time.monotonic() < deadline:
            poller.videos_dispatch(
                lambda pk, token: sender.send_task(
                    "apps.media.tasks.video_poll", args=[pk, token], queue=queue
                )
            )
            calls = VideoJob.objects.filter(organisation=org).aggregate(n=Sum("polls"))["n"] or 0
            samples.append((time.monotonic() - started, calls))
            if not VideoJob.objects.filter(organisation=org).exclude(status__in=TERMINAL).exists():
                break
            time.sleep(dispatch_every)
        elapsed = time.monotonic() - started
        cpu = _cpu_seconds(worker.pid) - cpu_start
    finally:
        for process in (worker, server):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()

    finished = {j.id: j for j in SandboxJob.objects.all()}
    delays, unfinished = [], 0
    for job in VideoJob.objects.filter(organisation=org):
        if job.terminal_at is None:
            unfinished += 1
            continue
        upstream = finished[job.job_id]
        done_at = upstream.created_at + timedelta(seconds=upstream.finish_seconds)
        delays.append((job.terminal_at - done_at).total_seconds())
    busiest = 0
    for i, (t0, c0) in enumerate(samples):
        for t1, c1 in samples[i:]:
            if t1 - t0 > 60:
                break
            busiest = max(busiest, c1 - c0)
    total_calls = samples[-1][1] if samples else 0
    delays.sort()
    p50 = statistics.median(delays) if delays else None
    p95 = delays[int(0.95 * (len(delays) - 1))] if delays else None
    load = os.getloadavg()
    report = {
        "jobs": JOBS,
        "finished": len(delays),
        "unfinished": unfinished,
        "bound_per_minute": BOUND,
        "busiest_60s_calls": busiest,
        "total_calls": total_calls,
        "calls_per_job": round(total_calls / JOBS, 2),
        "delay_p50_s": round(p50, 2) if p50 is not None else None,
        "delay_p95_s": round(p95, 2) if p95 is not None else None,
        "target_p95_s": 2 * POLL_MAX,
        "worker_cpu_s": round(cpu, 2),
        "worker_cpu_ms_per_job": round(1000 * cpu / JOBS, 1),
        "run_s": round(elapsed, 1),
        "load_average": [round(x, 2) for x in load],
        "at": timezone.now().isoformat(),
    }
    ok = unfinished == 0 and busiest <= BOUND and p95 is not None and p95 <= 2 * POLL_MAX
    report["ok"] = ok
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return ok


if __name__ == "__main__":
    sys.exit(0 if run() else 1)

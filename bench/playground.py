"""Playground benchmark: time to first token through the console against the sandbox's own.

The same streamed chat is asked twice, in one process, on PostgreSQL: straight from the
sandbox's ``/chat/completions`` with the member's key (the time to the first chunk carrying
text), and through the console's playground (``POST /playground/`` as the page's script
sends it: the time to the first ``{"text": …}`` line). The difference is what the console
adds before the first token: the session and role check, the form (the model checked
against the catalog), the person's key, the gateway and the sandbox call behind it.
Target: the console's p50 at most 50 ms over the sandbox's p50.

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/console_bench_playground (created
if missing, with its ``_sandbox`` sibling).
"""

from __future__ import annotations

import json
import os
import statistics
import time
from datetime import UTC, datetime

from bench import common
from bench.common import RESULTS

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/console_bench_playground"
RUNS = 40
WARMUP = 5
TARGET_OVER_MS = 50.0
MODEL = "openai/gpt-4o-mini"
PROMPT = "Tell me about streaming answers, please."
ACCOUNT = "org_bench000000000000000000002"


def _first_text_ms(send, has_text) -> float:
    """Milliseconds from sending the request to the first piece of the streamed body that
    carries text."""
    started = time.perf_counter()
    response = send()
    try:
        for piece in response.streaming_content:
            if has_text(piece):
                return (time.perf_counter() - started) * 1000
        raise AssertionError("the stream carried no text")
    finally:
        response.close()


def _sse_text(piece: bytes) -> bool:
    for line in piece.decode().splitlines():
        if line.startswith("data: {"):
            choices = json.loads(line[6:]).get("choices") or [{}]
            if (choices[0].get("delta") or {}).get("content"):
                return True
    return False


def _ndjson_text(piece: bytes) -> bool:
    return any('"text"' in line for line in piece.decode().splitlines())


def _timed(send, has_text) -> list[float]:
    for _ in range(WARMUP):
        _first_text_ms(send, has_text)
    return sorted(_first_text_ms(send, has_text) for _ in range(RUNS))


def run() -> bool:
    common.setup_with_sandbox(DEFAULT_URL)
    from django.test import Client
    from django.urls import reverse

    from apps.accounts.roles import Role
    from apps.audit.context import Actor
    from apps.inference.services import console_key_for
    from apps.syncs.runner import sync_run

    org, user, _secret = common.seeded_organisation(
        ACCOUNT, "bench-playground", "member@bench-playground.test", Role.MEMBER
    )
    assert sync_run(org, "catalog").run.ok
    key_secret = console_key_for(Actor(organisation=org, user=user), user).secret.reveal()

    direct = Client(HTTP_AUTHORIZATION=f"Bearer {key_secret}")
    body = json.dumps(
        {"model": MODEL, "messages": [{"role": "user", "content": PROMPT}], "stream": True}
    )
    console = Client()
    console.force_login(user)
    form = {"model": MODEL, "shape": "chat", "prompt": PROMPT}
    load = os.getloadavg()
    sandbox_ms = _timed(
        lambda: direct.post(
            "/sandbox/api/v1/chat/completions", body, content_type="application/json"
        ),
        _sse_text,
    )
    console_ms = _timed(
        lambda: console.post(reverse("playground:chat"), form, HTTP_X_CONSOLE_STREAM="ndjson"),
        _ndjson_text,
    )
    figures = {
        name: {
            "p50_ms": round(statistics.median(ms), 2),
            "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2),
        }
        for name, ms in (("sandbox", sandbox_ms), ("console", console_ms))
    }
    over = round(figures["console"]["p50_ms"] - figures["sandbox"]["p50_ms"], 2)
    ok = over <= TARGET_OVER_MS
    print(f"\nPlayground time to first token ({RUNS} runs each, PostgreSQL, in-process)")
    print(f"load average before: {load[0]:.2f}, after: {os.getloadavg()[0]:.2f}")
    for name, row in figures.items():
        print(f"{name:<10}p50 {row['p50_ms']:>8.2f} ms   p95 {row['p95_ms']:>8.2f} ms")
    print(f"the console adds {over:.2f} ms at p50 (target <= {TARGET_OVER_MS:.0f} ms)")
    print("Target met." if ok else "Target missed.")
    out = RESULTS / "playground.json"
    out.write_text(
        json.dumps(
            {
                "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "runs": RUNS,
                "load_average": [round(load[0], 2), round(os.getloadavg()[0], 2)],
                "results": figures,
                "console_over_sandbox_p50_ms": over,
                "target_over_ms": TARGET_OVER_MS,
                "target_met": ok,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"Wrote {out}")
    return ok

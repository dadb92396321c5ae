"""Recorded analytics answers in the shape of the OpenAPI contract (``POST /analytics/query``)."""

from __future__ import annotations

from collections import defaultdict

from apps.sandbox.models import ActivityRecord

RECORDED_QUERY_RESPONSE = {
    "data": {
        "data": [
            {
                "date__day": "2026-01-05T00:00:00.000Z",
                "api_key_id": "a" * 64,
                "model": "openai/gpt-4o",
                "request_count": "6",
                "total_usage": 0.123456,
            },
            {
                "date__day": "2026-01-05T00:00:00.000Z",
                "api_key_id": "support-bot",
                "model": "openai/gpt-4o",
                "request_count": 4,
                "total_usage": "0.5",
            },
            {
                "date__day": "2026-01-05T00:00:00.000Z",
                "api_key_id": "b" * 64,
                "user": "user_2abc",
                "workspace": "Production",
                "model": "anthropic/claude-sonnet-4",
                "request_count": "1",
                "total_usage": 0.01,
            },
            {
                "date__day": "2026-01-05T00:00:00.000Z",
                "api_key_id": "b" * 64,
                "user": "user_2abc",
                "workspace": "Production",
                "model": "anthropic/claude-sonnet-4",
                "request_count": "2",
                "total_usage": 0.02,
            },
        ],
        "metadata": {"query_time_ms": 42, "row_count": 4, "truncated": False},
        "cachedAt": 1767571200000,
    }
}


def analytics_rows_from_sandbox(account) -> list[dict]:
    """What the sandbox's ledger would answer to [date__day, api_key_id, model] queries."""
    sums: dict[tuple, list] = defaultdict(lambda: [0, 0.0])
    for rec in ActivityRecord.objects.filter(account=account).exclude(key_hash=None):
        slot = sums[(rec.date, rec.key_hash, rec.model_permaslug)]
        slot[0] += rec.requests
        slot[1] += rec.usage
    return [
        {
            "date__day": f"{day.isoformat()}T00:00:00.000Z",
            "api_key_id": key_hash,
            "model": model,
            "request_count": str(requests),
            "total_usage": round(usage, 6),
        }
        for (day, key_hash, model), (requests, usage) in sums.items()
    ]

"""The one retry policy: how long to wait before trying an upstream call again.

Used inline by :func:`apps.gateway.core.call` (short waits, for a person's request) and by
the sync tasks, which reschedule themselves (``countdown``) instead of sleeping in a worker.
"""

from __future__ import annotations

import random

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504, 529})
# A write that got one of these was refused before it was processed, so resending is safe.
SAFE_FOR_WRITES = frozenset({429, 503})


def backoff(attempt: int, *, retry_after: float | None, base: float, cap: float) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (0 for the first).

    Never sooner than upstream's ``Retry-After`` when it gave one (plus a little jitter, so
    a crowd of clients does not come back in the same instant); otherwise exponential
    backoff from ``base``, capped at ``cap``, with equal jitter.
    """
    if retry_after is not None:
        return max(0.0, retry_after) + random.uniform(0, 0.25)  # noqa: S311 - jitter, not crypto
    ceiling = min(cap, base * 2**attempt)
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311

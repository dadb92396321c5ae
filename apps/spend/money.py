"""Micro-dollar integers in, Decimal dollars out: exact sums everywhere."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

MICROS = 1_000_000
CENT = Decimal("0.01")


def to_micros(value) -> int:
    """Upstream dollars (float, string or Decimal) → integer micro-dollars."""
    if value in (None, ""):
        return 0
    return int((Decimal(str(value)) * MICROS).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def to_dollars(micros: int | None) -> Decimal:
    return Decimal(int(micros or 0)) / MICROS


def to_int(value) -> int:
    """Counts can arrive as strings (``"request_count": "6"``)."""
    if value in (None, ""):
        return 0
    return int(Decimal(str(value)))


def split(total: int, weights: list[int]) -> list[int]:
    """Split an integer across weights by largest remainder: the parts always sum to ``total``."""
    n = len(weights)
    weight_sum = sum(weights)
    if n == 0:
        return []
    if weight_sum <= 0:
        weights, weight_sum = [1] * n, n
    sign = -1 if total < 0 else 1
    amount = abs(total)
    parts = [amount * w // weight_sum for w in weights]
    left = amount - sum(parts)
    order = sorted(range(n), key=lambda i: (-(amount * weights[i] % weight_sum), i))
    for i in order[:left]:
        parts[i] += 1
    return [sign * p for p in parts]

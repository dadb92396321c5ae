"""Micro-dollar integers in, Decimal dollars out: exact sums everywhere."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

MICROS = 1_000_000
CENT = Decimal("0.01")


def _plain_micros(text: str) -> int | None:
    """``"-12.345"`` → -12345000 exactly, or None when the text is not a plain decimal
    with at most six decimals (exponents, signs other than ``-``, more precision)."""
    whole, _, frac = text.partition(".")
    digits = whole[1:] if whole.startswith("-") else whole
    if (
        len(frac) <= 6
        and digits.isascii()
        and digits.isdigit()
        and (not frac or (frac.isascii() and frac.isdigit()))
    ):
        return int(whole + frac.ljust(6, "0"))
    return None


def to_micros(value) -> int:
    """Upstream dollars (float, string or Decimal) → integer micro-dollars."""
    kind = type(value)
    if kind is float and -1e9 < value < 1e9:
        # When n / 10**6 reads back as this float, n micro-dollars is a decimal with at
        # most six places that round-trips to it, so it is the float's shortest repr
        # scaled, exactly what the Decimal path computes. Otherwise: the slow path.
        micros = round(value * 1e6)
        if micros / 1e6 == value:
            return micros
    if kind is float or kind is str:
        if value == "":
            return 0
        # Fast path, same result as the Decimal one: a float's str() is its shortest
        # round-tripping decimal, which is exactly what Decimal(str(value)) reads.
        micros = _plain_micros(str(value))
        if micros is not None:
            return micros
    elif kind is int:
        return value * MICROS
    if value in (None, ""):
        return 0
    return int((Decimal(str(value)) * MICROS).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def to_dollars(micros: int | None) -> Decimal:
    return Decimal(int(micros or 0)) / MICROS


def to_int(value) -> int:
    """Counts can arrive as strings (``"request_count": "6"``)."""
    kind = type(value)
    if kind is int:
        return value
    if kind is str and value.isascii() and value.isdigit():
        return int(value)
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
    if not left:
        return [sign * p for p in parts] if sign < 0 else parts
    order = sorted(range(n), key=lambda i: (-(amount * weights[i] % weight_sum), i))
    for i in order[:left]:
        parts[i] += 1
    return [sign * p for p in parts]

"""Path converters for the console's URL confs.

``<id:pk>`` is the one way a database id appears in a path: ``[1-9][0-9]*`` and at most a
64-bit signed integer, so ``/00001/`` (another spelling of 1) and ``/99999999999999999999/``
(past what a database column holds: an overflow inside the query) are a plain 404.
"""

from __future__ import annotations

BIGINT_MAX = 2**63 - 1


class IdConverter:
    regex = "[1-9][0-9]{0,18}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > BIGINT_MAX:
            raise ValueError("past a 64-bit integer")  # Django: this pattern does not match
        return number

    def to_url(self, value: int) -> str:
        number = int(value)
        if not 0 < number <= BIGINT_MAX:
            raise ValueError("not a database id")
        return str(number)

"""Fault injection: per request (``X-Sandbox-Fault`` header) or per account (a setting).

Spec syntax, comma separated: ``status=429`` (or just ``429``), ``retry_after=2``,
``latency_ms=300``, ``timeout`` or ``timeout=40`` (hold the request that many seconds,
then answer 408), ``timeout_after_commit`` or ``timeout_after_commit=40`` (do the work and
commit it, then hold the answer that long and send 408 instead: upstream processed a write
whose response the caller never got), and for streamed answers ``stream_cut=N`` (the stream stops after N
events, as if the connection dropped: no final chunk, no ``[DONE]``) or ``stream_error=N``
(after N events the API's own mid-stream error event, then the end). Example:
``X-Sandbox-Fault: status=503, latency_ms=200``; ``X-Sandbox-Fault: stream_error=3``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings

FAULT_HEADER = "HTTP_X_SANDBOX_FAULT"


@dataclass(frozen=True)
class Fault:
    status: int | None = None
    retry_after: int | None = None
    latency_ms: int = 0
    timeout_seconds: float | None = None
    stream_cut: int | None = None
    stream_error: int | None = None
    # Seconds to hold the answer of a request that was processed (and committed) anyway.
    timeout_after_commit: float | None = None

    @property
    def is_empty(self) -> bool:
        return (
            self.status is None
            and not self.latency_ms
            and self.timeout_seconds is None
            and self.stream_cut is None
            and self.stream_error is None
            and self.timeout_after_commit is None
        )


class FaultSpecError(ValueError):
    pass


def parse_fault(spec: str) -> Fault:
    values: dict = {}
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            continue
        name, _, value = item.partition("=")
        name = name.strip().lower()
        try:
            if name.isdigit():
                values["status"] = int(name)
            elif name == "status":
                values["status"] = int(value)
            elif name == "retry_after":
                values["retry_after"] = int(value)
            elif name == "latency_ms":
                values["latency_ms"] = int(value)
            elif name in ("stream_cut", "stream_error"):
                values[name] = int(value)
                if values[name] < 0:
                    raise FaultSpecError(f"{name} must be 0 or more")
            elif name == "timeout_after_commit":
                values["timeout_after_commit"] = (
                    float(value) if value else settings.SANDBOX_TIMEOUT_SECONDS
                )
            elif name == "timeout":
                values["timeout_seconds"] = (
                    float(value) if value else settings.SANDBOX_TIMEOUT_SECONDS
                )
            else:
                raise FaultSpecError(f"unknown fault setting {name!r}")
        except ValueError as exc:
            raise FaultSpecError(f"bad value in fault setting {item!r}") from exc
    status = values.get("status")
    if status is not None and not 400 <= status <= 599:
        raise FaultSpecError("fault status must be a 4xx or 5xx code")
    return Fault(**values)


def apply_delay(fault: Fault) -> None:
    if fault.latency_ms:
        time.sleep(fault.latency_ms / 1000)
    if fault.timeout_seconds is not None:
        time.sleep(fault.timeout_seconds)

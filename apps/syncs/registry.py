"""The streams every app adds to the one sync framework.

An app declares its streams in its own ``syncs.py`` and registers them from its
``AppConfig.ready``::

    register(Stream("keys", "API keys", interval=timedelta(minutes=10), run=keys_run,
                    view_perm=Perm.VIEW_KEYS))

``run(ctx)`` does one pass for ``ctx.organisation``: it pages upstream through the gateway,
writes the mirror, adds what it wrote to ``ctx.rows`` and calls ``ctx.checkpoint(...)``
after each durable step, so a pass that fails resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from apps.accounts.roles import Perm

if TYPE_CHECKING:
    from apps.syncs.runner import SyncContext


@dataclass(frozen=True)
class Stream:
    name: str
    label: str
    interval: timedelta
    run: Callable[[SyncContext], None]
    # Who sees its status and may ask for it now (the role table decides who has it).
    view_perm: Perm = Perm.VIEW_SPEND
    # Stale (shown as such on the pages that read it) after this many intervals.
    stale_after: int = 2
    description: str = ""

    @property
    def stale_age(self) -> timedelta:
        return self.interval * self.stale_after


_STREAMS: dict[str, Stream] = {}


def register(stream: Stream) -> Stream:
    existing = _STREAMS.get(stream.name)
    if existing is not None and existing.run is not stream.run:
        raise ValueError(f"sync stream {stream.name!r} is registered twice")
    _STREAMS[stream.name] = stream
    return stream


def stream_get(name: str) -> Stream:
    try:
        return _STREAMS[name]
    except KeyError:
        raise LookupError(f"unknown sync stream {name!r}") from None


def streams() -> list[Stream]:
    """Every registered stream, in registration order (apps' INSTALLED_APPS order)."""
    return list(_STREAMS.values())

"""Reads of sync state for the pages: freshness, what is running, recent runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from apps.syncs.models import SyncRun, SyncState
from apps.syncs.registry import Stream, stream_get, streams


@dataclass
class StreamStatus:
    stream: Stream
    state: SyncState | None
    now: datetime

    @property
    def name(self) -> str:
        return self.stream.name

    @property
    def label(self) -> str:
        return self.stream.label

    @property
    def running(self) -> bool:
        return self.state is not None and self.state.is_locked(self.now)

    @property
    def queued(self) -> bool:
        return self.state is not None and self.state.requested_at is not None

    @property
    def pending(self) -> bool:
        """Asked for or running: the status element keeps polling."""
        return self.running or self.queued

    @property
    def last_success_at(self) -> datetime | None:
        return self.state.last_success_at if self.state else None

    @property
    def failing(self) -> bool:
        s = self.state
        return (
            s is not None
            and s.last_error_at is not None
            and (s.last_success_at is None or s.last_error_at > s.last_success_at)
        )

    @property
    def stale(self) -> bool:
        last = self.last_success_at
        return last is None or self.now - last > self.stream.stale_age

    @property
    def age_seconds(self) -> int | None:
        last = self.last_success_at
        return None if last is None else int((self.now - last).total_seconds())


def stream_status(organisation, name: str, now: datetime | None = None) -> StreamStatus:
    stream = stream_get(name)
    state = SyncState.objects.filter(organisation=organisation, stream=name).first()
    return StreamStatus(stream, state, now or timezone.now())


def streams_status(organisation, names: list[str] | None = None, now=None) -> list[StreamStatus]:
    now = now or timezone.now()
    chosen = [s for s in streams() if names is None or s.name in names]
    states = {
        s.stream: s
        for s in SyncState.objects.filter(
            organisation=organisation, stream__in=[s.name for s in chosen]
        )
    }
    return [StreamStatus(s, states.get(s.name), now) for s in chosen]


def runs_recent(organisation, stream: str, limit: int = 5) -> list[SyncRun]:
    return list(SyncRun.objects.filter(organisation=organisation, stream=stream)[:limit])


def synced_once(organisation, stream: str) -> bool:
    return SyncState.objects.filter(
        organisation=organisation, stream=stream, last_success_at__isnull=False
    ).exists()

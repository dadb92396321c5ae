"""A 429 storm on one organisation does not delay another organisation's syncs.

Forty minutes of the schedule, replayed on a virtual clock: the real dispatcher every 15 s,
the real sync task (retries by countdown, honouring Retry-After) on a model of a worker with
two slots, and the real sandbox, where organisation A answers every call with a slow 429
(``Retry-After: 5``) the whole time. Each upstream call holds its slot for a while (a storm's
429s come slowly). Organisation B's streams must each run on schedule: no gap between two of
its successful runs longer than the stream's interval plus a couple of beats, far inside the
one interval of delay allowed.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from celery.exceptions import Retry
from django.conf import settings
from django.utils import timezone

from apps.syncs import services, tasks
from apps.syncs.models import SyncRun
from apps.syncs.registry import stream_get, streams

pytestmark = pytest.mark.django_db

BEAT = timedelta(seconds=settings.CELERY_BEAT_SCHEDULE["syncs-due"]["schedule"])
DURATION = timedelta(minutes=40)
SLOTS = 2
# Seconds of a worker slot one upstream call takes: the storm's 429s come slowly.
CALL_COST = {"storm": 2.0, "calm": 0.3}


@dataclass(order=True)
class Queued:
    ready_at: datetime
    seq: int
    organisation_id: int = field(compare=False)
    stream: str = field(compare=False)
    trigger: str = field(compare=False)
    retries: int = field(compare=False, default=0)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def test_a_rate_limit_storm_on_one_organisation_leaves_the_other_on_schedule(
    organisation, other_organisation, sandbox_account, monkeypatch, capsys
):
    storm_account, _secret = sandbox_account
    storm_account.fault = "status=429, retry_after=5"
    storm_account.save()
    storm, calm = organisation.pk, other_organisation.pk

    clock = Clock(timezone.now().replace(microsecond=0))
    start = clock.now
    monkeypatch.setattr("django.utils.timezone.now", clock)
    queue: list[Queued] = []
    seq = itertools.count()

    def send_task(name, args):
        heapq.heappush(queue, Queued(clock.now, next(seq), *args))

    monkeypatch.setattr(services.current_app, "send_task", send_task)
    monkeypatch.setattr(services.transaction, "on_commit", lambda fn: fn())

    def fake_retry(*args, countdown=None, **kwargs):
        request = tasks.sync_stream.request
        heapq.heappush(
            queue,
            Queued(
                clock.now + timedelta(seconds=countdown),
                next(seq),
                request.args[0],
                request.args[1],
                "retry",
                request.retries + 1,
            ),
        )
        return Retry()

    monkeypatch.setattr(tasks.sync_stream, "retry", fake_retry)

    slots = [start] * SLOTS  # when each slot is free again
    next_beat = start
    busy = {storm: 0.0, calm: 0.0}
    while clock.now < start + DURATION:
        if clock.now >= next_beat:
            services.syncs_dispatch_due()
            next_beat += BEAT
        free = min(range(SLOTS), key=lambda i: slots[i])
        if queue and queue[0].ready_at <= clock.now and slots[free] <= clock.now:
            job = heapq.heappop(queue)
            tasks.sync_stream.push_request(
                args=[job.organisation_id, job.stream], retries=job.retries
            )
            try:
                tasks.sync_stream.run(job.organisation_id, job.stream, job.trigger)
            except Retry:
                pass
            finally:
                tasks.sync_stream.pop_request()
            run = SyncRun.objects.filter(
                organisation_id=job.organisation_id, stream=job.stream
            ).first()
            cost = (run.calls if run else 0) * CALL_COST[
                "storm" if job.organisation_id == storm else "calm"
            ]
            busy[job.organisation_id] += cost
            slots[free] = clock.now + timedelta(seconds=cost)
            continue
        # Nothing to start now: move to the next beat, task or free slot.
        head = queue[0].ready_at if queue else None
        upcoming = [t for t in (next_beat, head, min(slots)) if t is not None and t > clock.now]
        clock.now = min(upcoming) if upcoming else clock.now + timedelta(seconds=1)

    worst: dict[str, float] = {}
    for stream in streams():
        starts = list(
            SyncRun.objects.filter(organisation_id=calm, stream=stream.name, outcome="ok")
            .order_by("started_at")
            .values_list("started_at", flat=True)
        )
        assert starts, f"organisation B's {stream.name} never ran"
        assert starts[0] - start <= 2 * BEAT, f"{stream.name} started late"
        edges = [*starts, start + DURATION]
        gaps = [b - a for a, b in itertools.pairwise(edges)]
        lateness = max(gap - stream.interval for gap in gaps)
        worst[stream.name] = lateness.total_seconds()
        assert lateness <= 2 * BEAT, f"{stream.name} ran {lateness} late"
        assert lateness < stream_get(stream.name).interval  # the bound
    storm_runs = SyncRun.objects.filter(organisation_id=storm)
    # The storm did hold all along: the only runs that passed are the ones that had nothing to
    # ask upstream (files are listed with a console key, which the storm never let be made).
    passed = storm_runs.filter(outcome="ok")
    assert set(passed.values_list("message", flat=True)) <= {"No console key yet: nothing to list."}
    assert storm_runs.exclude(outcome="ok").exists()
    # The storm organisation's retries kept to the policy: at most SYNC_MAX_RETRIES per run.
    assert storm_runs.filter(trigger="retry").count() <= settings.SYNC_MAX_RETRIES * (
        storm_runs.exclude(trigger="retry").count()
    )
    with capsys.disabled():
        late = max(worst.values())
        print(
            f"\n[fairness] 40 min under a 429 storm on A: B's worst lateness {late:.0f} s "
            f"(allowed: one interval); A used {busy[storm]:.0f} s of worker time, "
            f"B {busy[calm]:.0f} s; {storm_runs.count()} storm runs"
        )

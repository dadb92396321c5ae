from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.audit.context import Actor
from apps.inference.models import InferenceSettings
from apps.media.models import VideoJob, VideoModel
from apps.media.services import poller
from apps.media.services.videos import SubmitRequest, video_submit
from apps.sandbox.models import VideoJob as SandboxJob
from apps.syncs.runner import sync_run


@pytest.fixture(autouse=True)
def _generous_daily_limit(organisation):
    """Enough for many jobs a test (the default daily limit is a few dollars)."""
    InferenceSettings.objects.update_or_create(
        organisation=organisation, defaults={"daily_limit": Decimal("500")}
    )


@pytest.fixture(autouse=True)
def _video_timing(settings):
    settings.SANDBOX_VIDEO_SECONDS = 30
    settings.SANDBOX_VIDEO_SPREAD_SECONDS = 0
    settings.VIDEO_POLLS_PER_MINUTE = 600


@pytest.fixture
def video_models(organisation):
    outcome = sync_run(organisation, "video_models")
    assert outcome.run.ok, outcome.run.error
    return {m.model_id: m for m in VideoModel.objects.filter(organisation=organisation)}


@pytest.fixture
def submit(organisation, video_models):
    """``submit(user, prompt=…, model=…, **fields)``: a job through the service."""

    def make(user, prompt="waves at dusk", model="google/veo-3.1", token=None, **fields):
        chosen = video_models[model]
        request = SubmitRequest(
            model=chosen,
            prompt=prompt,
            duration=fields.pop("duration", chosen.durations[0]),
            **fields,
        )
        actor = Actor(organisation=organisation, user=user)
        return video_submit(actor, token=token or uuid.uuid4(), request=request)

    return make


def age_upstream(job: VideoJob, seconds: float) -> None:
    """Pretend the sandbox job was submitted ``seconds`` ago."""
    SandboxJob.objects.filter(id=job.job_id).update(
        created_at=timezone.now() - timedelta(seconds=seconds)
    )


def poll_all(now=None) -> list[str]:
    """One beat: dispatch what is due (bound permitting) and run each poll at once."""
    queued: list[tuple[int, str]] = []
    poller.videos_dispatch(lambda pk, token: queued.append((pk, token)), now=now)
    return [poller.job_poll(pk, token) for pk, token in queued]


def make_due(job: VideoJob) -> None:
    VideoJob.objects.filter(pk=job.pk).update(next_poll_at=timezone.now() - timedelta(seconds=1))

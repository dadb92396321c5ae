"""Video jobs as upstream runs them: per-model capabilities, size limits, expiry, spread
finishing times, and signed terminal-state callbacks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.sandbox.keys_service import key_insert
from apps.sandbox.models import VideoJob, Workspace
from apps.sandbox.views.videos import callback_payload, callback_secret, callbacks_due

pytestmark = pytest.mark.django_db
BASE = "/sandbox/api/v1"


def api(secret):
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post(secret, body):
    return api(secret).post(f"{BASE}/videos", json.dumps(body), content_type="application/json")


@pytest.fixture
def secret(sandbox_account):
    account, _ = sandbox_account
    workspace = Workspace.objects.get(account=account, is_default=True)
    return key_insert(account, workspace, name="jobs")[1]


def _age(job_id: str, seconds: float) -> None:
    VideoJob.objects.filter(id=job_id).update(
        created_at=timezone.now() - timedelta(seconds=seconds)
    )


def test_models_differ_in_what_they_support():
    models = {m["id"]: m for m in Client().get(f"{BASE}/videos/models").json()["data"]}
    assert models["minimax/hailuo-02"]["supported_durations"] == [6, 10]
    assert models["google/veo-3.1"]["generate_audio"] is True
    assert models["minimax/hailuo-02"]["generate_audio"] is False
    assert models["openai/sora-2"]["supported_frame_images"] == ["first_frame"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"duration": 5}, "duration 5 is not supported"),
        ({"resolution": "4K"}, "resolution 4K is not supported"),
        ({"aspect_ratio": "21:9"}, "aspect_ratio 21:9 is not supported"),
        ({"generate_audio": True}, "cannot generate audio"),
        ({"seed": 7}, "seed is not supported"),
        ({"size": "1280x720"}, "size is not supported"),
        ({"prompt": "x" * 8001}, "at most 8000 characters"),
    ],
)
def test_unsupported_combinations_are_refused(secret, body, message):
    response = post(secret, {"model": "minimax/hailuo-02", "prompt": "a cat", **body})
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]


def test_an_image_over_ten_megabytes_is_a_413(secret):
    big = base64.b64encode(b"\x89PNG" + bytes(10 * 1024 * 1024)).decode()
    frame = {
        "type": "image_url",
        "image_url": {"url": f"data:image/png;base64,{big}"},
        "frame_type": "first_frame",
    }
    response = post(secret, {"model": "google/veo-3.1", "prompt": "a", "frame_images": [frame]})
    assert response.status_code == 413


def test_a_last_frame_is_refused_where_only_first_frames_are_supported(secret):
    frame = {
        "type": "image_url",
        "image_url": {"url": "https://example.com/a.png"},
        "frame_type": "last_frame",
    }
    response = post(secret, {"model": "openai/sora-2", "prompt": "a", "frame_images": [frame]})
    assert response.status_code == 400


def test_expired_job_and_expired_content(secret, settings):
    settings.SANDBOX_VIDEO_SECONDS = 3
    job = post(secret, {"model": "google/veo-3.1", "prompt": "[expire] slow"}).json()
    _age(job["id"], 4)
    polled = api(secret).get(f"{BASE}/videos/{job['id']}").json()
    assert polled["status"] == "expired" and "expired" in polled["error"]
    settings.SANDBOX_VIDEO_RETENTION_SECONDS = 10
    done = post(secret, {"model": "google/veo-3.1", "prompt": "fine"}).json()
    _age(done["id"], 5)
    fresh = api(secret).get(f"{BASE}/videos/{done['id']}").json()
    assert fresh["status"] == "completed" and fresh["expires_at"] > timezone.now().timestamp()
    _age(done["id"], 20)
    stale = api(secret).get(f"{BASE}/videos/{done['id']}").json()
    assert "expires_at" not in stale
    assert api(secret).get(f"{BASE}/videos/{done['id']}/content").status_code == 404


def test_spread_finishing_times(secret, settings):
    settings.SANDBOX_VIDEO_SECONDS = 10
    settings.SANDBOX_VIDEO_SPREAD_SECONDS = 100
    for _ in range(5):
        post(secret, {"model": "google/veo-3.1", "prompt": "many"})
    times = sorted(VideoJob.objects.values_list("finish_seconds", flat=True))
    assert all(10 <= t <= 110 for t in times) and times[0] != times[-1]


def test_callback_is_signed_over_timestamp_and_body(secret, settings):
    settings.SANDBOX_VIDEO_SECONDS = 0
    job = post(
        secret, {"model": "google/veo-3.1", "prompt": "cb", "callback_url": "https://c.example/x"}
    ).json()
    due = callbacks_due()
    assert [j.id for j in due] == [job["id"]]
    body, headers = callback_payload(due[0], "https://api.example/v1")
    stamp, signature = (
        part.split("=", 1)[1] for part in headers["X-OpenRouter-Signature"].split(",")
    )
    expected = hmac.new(
        callback_secret(due[0].account_id).encode(), stamp.encode() + b"," + body, hashlib.sha256
    ).hexdigest()
    assert signature == expected
    assert headers["X-OpenRouter-Idempotency-Key"] == f"{job['id']}-completed"
    assert json.loads(body)["type"] == "video.generation.completed"

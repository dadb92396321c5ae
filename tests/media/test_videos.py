"""Video jobs: submitting once, refusals before sending, retries that never double, adding by
id, callbacks, content through the gateway, and every page's access rules."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from apps.audit.context import Actor
from apps.audit.models import AuditEntry
from apps.gateway import errors as upstream
from apps.gateway import videos as gateway_videos
from apps.inference.models import InferenceSettings
from apps.media.models import CallbackReceipt, JobStatus, VideoJob
from apps.media.services import videos as services
from apps.sandbox.models import Account
from apps.sandbox.models import VideoJob as SandboxJob
from apps.sandbox.views.videos import callback_payload, callback_secret
from tests.media.conftest import age_upstream, make_due, poll_all

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _form(token=None, **overrides):
    return {
        "submit_token": str(token or uuid.uuid4()),
        "model": "google/veo-3.1",
        "prompt": "a lighthouse at night",
        "duration": "4",
        "resolution": "720p",
        "aspect_ratio": "16:9",
        **overrides,
    }


def _toast(response) -> str:
    return json.loads(response.headers.get("HX-Trigger", "{}")).get("toast", {}).get("message", "")


# --- submitting -------------------------------------------------------------------------------


def test_double_submit_creates_one_job(member, submit):
    token = uuid.uuid4()
    first = submit(member, token=token)
    again = submit(member, token=token)
    assert first.pk == again.pk
    assert SandboxJob.objects.filter(prompt="waves at dusk").count() == 1
    assert AuditEntry.objects.filter(action="video.submit").count() == 1


def test_double_click_on_the_form_creates_one_job(client_for, member, video_models):
    client = client_for(member)
    data = _form()
    assert client.post(reverse("media:video_new"), data, **HTMX).status_code == 200
    assert client.post(reverse("media:video_new"), data, **HTMX).status_code == 200
    assert VideoJob.objects.filter(owner=member).count() == 1
    assert SandboxJob.objects.filter(prompt=data["prompt"]).count() == 1


def test_a_timeout_after_upstream_made_the_job_never_makes_a_second(
    member, submit, monkeypatch, video_models, organisation
):
    real = gateway_videos.video_submit

    def accepted_then_lost(*args, **kwargs):
        real(*args, **kwargs)  # upstream made the job…
        raise upstream.UpstreamTimeout()  # …and the answer never came back

    monkeypatch.setattr(gateway_videos, "video_submit", accepted_then_lost)
    with pytest.raises(upstream.UpstreamTimeout, match="did not confirm"):
        submit(member, prompt="lost answer")
    job = VideoJob.objects.get(owner=member)
    assert job.status == JobStatus.UNCONFIRMED and job.job_id is None
    monkeypatch.setattr(gateway_videos, "video_submit", real)
    model = video_models["google/veo-3.1"]
    retried = services.video_submit_retry(
        Actor(organisation=organisation, user=member), job, services.request_from_job(job, model)
    )
    assert retried.status == JobStatus.ACCEPTED_UNKNOWN
    assert SandboxJob.objects.filter(prompt="lost answer").count() == 1


def test_a_timeout_before_upstream_made_it_is_resent_once(
    member, submit, monkeypatch, video_models, organisation
):
    real = gateway_videos.video_submit

    def never_arrived(*args, **kwargs):
        raise upstream.UpstreamTimeout()

    monkeypatch.setattr(gateway_videos, "video_submit", never_arrived)
    with pytest.raises(upstream.UpstreamTimeout):
        submit(member, prompt="try again")
    job = VideoJob.objects.get(owner=member)
    monkeypatch.setattr(gateway_videos, "video_submit", real)
    model = video_models["google/veo-3.1"]
    retried = services.video_submit_retry(
        Actor(organisation=organisation, user=member), job, services.request_from_job(job, model)
    )
    assert retried.status == JobStatus.PENDING and retried.pk == job.pk
    assert SandboxJob.objects.filter(prompt="try again").count() == 1


def test_unsupported_combinations_are_refused_before_sending(client_for, member, video_models):
    client = client_for(member)
    for overrides, message in [
        ({"model": "minimax/hailuo-02", "duration": "4", "resolution": "480p"}, "supports 6 or 10"),
        ({"resolution": "480p"}, "supports 720p or 1080p"),
        ({"aspect_ratio": "1:1"}, "supports 16:9 or 9:16"),
        (
            {
                "model": "minimax/hailuo-02",
                "duration": "6",
                "resolution": "480p",
                "generate_audio": "on",
            },
            "cannot generate audio",
        ),
        ({"prompt": "x" * 8001}, "at most 8000"),
    ]:
        response = client.post(reverse("media:video_new"), _form(**overrides), **HTMX)
        assert response.status_code == 422, overrides
        assert message in response.content.decode(), overrides
    assert not SandboxJob.objects.exists()


def test_an_image_over_the_limit_is_refused_before_sending(
    client_for, member, video_models, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.VIDEO_IMAGE_MAX_BYTES = 1000
    image = SimpleUploadedFile(
        "big.png", b"\x89PNG\r\n\x1a\n" + bytes(2000), content_type="image/png"
    )
    response = client_for(member).post(
        reverse("media:video_new"), {**_form(), "first_frame": image}, **HTMX
    )
    assert response.status_code == 422 and "over the" in response.content.decode()


def test_a_first_frame_image_goes_up_as_a_data_url(client_for, member, video_models):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.sandbox.media import png

    image = SimpleUploadedFile("f.png", png("x"), content_type="image/png")
    response = client_for(member).post(
        reverse("media:video_new"), {**_form(), "first_frame": image}
    )
    assert response.status_code == 302
    assert VideoJob.objects.get(owner=member).params["frames"] == ["first_frame"]


def test_no_credit_is_shown_in_place_and_no_job_is_recorded(
    client_for, member, video_models, sandbox_account
):
    account, _ = sandbox_account
    Account.objects.filter(pk=account.pk).update(total_credits=0)
    response = client_for(member).post(reverse("media:video_new"), _form(), **HTMX)
    assert response.status_code == 422
    assert "no OpenRouter credit" in response.content.decode()
    assert "a lighthouse at night" in response.content.decode()  # what was typed is kept
    assert not VideoJob.objects.filter(status__in=["pending", "in_progress"]).exists()
    assert (
        reverse("media:videos")
        and not client_for(member).get(reverse("media:videos")).context["jobs"]
    )


@pytest.mark.parametrize("fault", ["429", "503", "500"])
def test_upstream_failures_while_submitting_are_shown(
    client_for, member, video_models, upstream_fault, fault
):
    upstream_fault(fault)
    response = client_for(member).post(reverse("media:video_new"), _form(), **HTMX)
    assert response.status_code == 422
    assert not SandboxJob.objects.exists()


def test_key_limit_blocks_with_a_clear_message(client_for, member, video_models, organisation):
    from decimal import Decimal

    InferenceSettings.objects.filter(organisation=organisation).update(daily_limit=Decimal("0.01"))
    client = client_for(member)
    client.post(reverse("media:video_new"), _form(), **HTMX)  # spends past the limit
    response = client.post(reverse("media:video_new"), _form(), **HTMX)
    assert response.status_code == 422 and "spending limit" in response.content.decode()


def test_the_form_adapts_to_the_model_and_shows_the_estimate(client_for, member, video_models):
    client = client_for(member)
    page = client.get(
        reverse("media:video_new"), {"model": "minimax/hailuo-02", "duration": "10"}, **HTMX
    )
    body = page.content.decode()
    assert 'value="768p"' in body and 'value="4K"' not in body
    assert "Generate audio" not in body
    assert "$0.45" in body  # 10 s at $0.045/s
    veo = client.get(
        reverse("media:video_new"), {"model": "google/veo-3.1"}, **HTMX
    ).content.decode()
    assert "Generate audio" in veo and "Last frame image" in veo and "$1.60" in veo


def test_finance_cannot_submit(client_for, finance, video_models):
    assert client_for(finance).get(reverse("media:video_new")).status_code == 403
    assert client_for(finance).post(reverse("media:video_new"), _form()).status_code == 403


# --- the list and the detail --------------------------------------------------------------------


def test_members_see_their_own_jobs_admins_all_finance_costs(
    client_for, member, admin, finance, submit, organisation
):
    mine = submit(member, prompt="member secret plan")
    theirs = submit(admin, prompt="admin plan")
    body = client_for(member).get(reverse("media:videos")).content.decode()
    assert "member secret plan" in body and "admin plan" not in body
    admin_body = client_for(admin).get(reverse("media:videos")).content.decode()
    assert "member secret plan" in admin_body and "admin plan" in admin_body
    finance_body = client_for(finance).get(reverse("media:videos")).content.decode()
    assert f'id="job-{mine.pk}"' in finance_body and "≈ $1.60" in finance_body
    assert "member secret plan" not in finance_body  # costs, not prompts
    assert (
        client_for(member).get(reverse("media:video_detail", args=[theirs.pk])).status_code == 404
    )
    detail = client_for(finance).get(reverse("media:video_detail", args=[mine.pk]))
    assert detail.status_code == 200 and "member secret plan" not in detail.content.decode()


def test_outsider_gets_404_for_every_job_url(client_for, outsider, member, submit):
    job = submit(member)
    client = client_for(outsider)
    for name in ("media:video_detail", "media:video_content"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.post(reverse("media:video_retry", args=[job.pk])).status_code == 404


def test_another_members_job_is_a_404_everywhere(client_for, member, admin, submit):
    job = submit(admin)
    client = client_for(member)
    assert client.get(reverse("media:video_detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("media:video_content", args=[job.pk])).status_code == 404


def test_list_polls_while_a_job_runs_and_stops_when_done(client_for, member, submit):
    job = submit(member)
    client = client_for(member)
    live = client.get(reverse("media:videos"), **HTMX).content.decode()
    assert 'hx-trigger="every 3s"' in live and "<html" not in live
    age_upstream(job, 31)
    make_due(job)
    poll_all()
    done = client.get(reverse("media:videos"), **HTMX).content.decode()
    assert 'hx-trigger="every 3s"' not in done and "Completed" in done


def test_detail_status_partial_updates_from_the_table(client_for, member, submit):
    job = submit(member)
    client = client_for(member)
    partial = client.get(reverse("media:video_detail", args=[job.pk]), **HTMX).content.decode()
    assert 'id="job-status"' in partial and 'hx-trigger="every 2s"' in partial
    age_upstream(job, 31)
    make_due(job)
    poll_all()
    partial = client.get(reverse("media:video_detail", args=[job.pk]), **HTMX).content.decode()
    assert "every 2s" not in partial and 'data-testid="video-player"' in partial
    assert job.job_id and "Authorization" not in partial and "/sandbox/api" not in partial


def test_finished_video_plays_and_downloads_through_the_console(client_for, member, submit):
    job = submit(member)
    age_upstream(job, 31)
    make_due(job)
    poll_all()
    client = client_for(member)
    response = client.get(reverse("media:video_content", args=[job.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "video/mp4"
    assert b"ftyp" in b"".join(response.streaming_content)
    download = client.get(reverse("media:video_content", args=[job.pk]), {"download": "1"})
    assert download["Content-Disposition"].startswith("attachment")


def test_expired_content_says_so(client_for, member, submit, settings):
    settings.SANDBOX_VIDEO_RETENTION_SECONDS = 5
    job = submit(member)
    age_upstream(job, 31)
    make_due(job)
    poll_all()
    client = client_for(member)
    # Upstream dropped the stored copy after the poll saw it: the first play finds out.
    age_upstream(job, 60)
    VideoJob.objects.filter(pk=job.pk).update(content_expires_at=None)
    response = client.get(reverse("media:video_content", args=[job.pk]), **HTMX)
    assert response.status_code == 422 and "expired" in _toast(response)
    page = client.get(reverse("media:video_detail", args=[job.pk])).content.decode()
    assert 'data-testid="content-expired"' in page


def test_a_failed_job_shows_its_error(client_for, member, submit):
    job = submit(member, prompt="[fail] nope")
    age_upstream(job, 31)
    make_due(job)
    poll_all()
    body = client_for(member).get(reverse("media:video_detail", args=[job.pk])).content.decode()
    assert "could not render" in body and 'data-status="failed"' in body


# --- adding by id --------------------------------------------------------------------------------


def test_adding_a_job_by_id(client_for, member, admin, submit, organisation):
    job = submit(member)
    upstream_id = job.job_id
    VideoJob.objects.filter(pk=job.pk).delete()  # as if made outside the console
    response = client_for(member).post(
        reverse("media:video_attach"), {"job_id": upstream_id}, **HTMX
    )
    assert response.status_code == 200
    added = VideoJob.objects.get(job_id=upstream_id)
    assert added.owner == member and added.origin == "pasted"
    again = client_for(admin).post(reverse("media:video_attach"), {"job_id": upstream_id}, **HTMX)
    assert again.status_code == 422 and "already in the console" in again.content.decode()


def test_adding_an_unknown_job_id_is_refused_in_place(client_for, member):
    response = client_for(member).post(
        reverse("media:video_attach"), {"job_id": "gen-vid-0-nothere0000000000000"}, **HTMX
    )
    assert response.status_code == 422 and "no video job with that id" in response.content.decode()


# --- callbacks -----------------------------------------------------------------------------------


def test_a_signed_callback_completes_the_job_once(
    member, submit, organisation, sandbox_account, settings
):
    account, _ = sandbox_account
    config = InferenceSettings.objects.get(organisation=organisation)
    config.callback_secret = callback_secret(account.id)
    config.save()
    job = submit(member)
    age_upstream(job, 31)
    sandbox_job = SandboxJob.objects.get(id=job.job_id)
    body, headers = callback_payload(sandbox_job, "http://testserver/sandbox/api/v1")
    url = reverse("media:video_callback", args=[organisation.slug])
    client = Client()
    extra = {
        "HTTP_X_OPENROUTER_SIGNATURE": headers["X-OpenRouter-Signature"],
        "HTTP_X_OPENROUTER_IDEMPOTENCY_KEY": headers["X-OpenRouter-Idempotency-Key"],
    }
    first = client.post(url, body, content_type="application/json", **extra)
    assert first.status_code == 200 and first.json()["outcome"] == "applied"
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED and job.cost is not None
    again = client.post(url, body, content_type="application/json", **extra)
    assert again.json()["outcome"] == "duplicate"
    assert CallbackReceipt.objects.count() == 1
    assert list(job.events.values_list("status", flat=True)) == ["pending", "completed"]
    forged = client.post(
        url,
        body,
        content_type="application/json",
        HTTP_X_OPENROUTER_SIGNATURE="t=1,v1=00",
        HTTP_X_OPENROUTER_IDEMPOTENCY_KEY="x",
    )
    assert forged.status_code == 403

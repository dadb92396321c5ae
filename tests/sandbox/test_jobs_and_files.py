"""Video jobs progress over time; files paginate by cursor; PKCE codes verify; faults storm."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from apps.sandbox.keys_service import key_insert
from apps.sandbox.models import Account, SandboxFile, VideoJob, Workspace

pytestmark = pytest.mark.django_db

BASE = "/sandbox/api/v1"


def api(secret):
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post(secret, path, body):
    return api(secret).post(f"{BASE}{path}", json.dumps(body), content_type="application/json")


@pytest.fixture
def secret(sandbox_account):
    account, _ = sandbox_account
    workspace = Workspace.objects.get(account=account, is_default=True)
    return key_insert(account, workspace, name="jobs")[1]


# --- videos ----------------------------------------------------------------------------------


def _age(job_id: str, seconds: float) -> None:
    VideoJob.objects.filter(id=job_id).update(
        created_at=timezone.now() - timedelta(seconds=seconds)
    )


def test_video_job_goes_pending_in_progress_completed(secret, settings):
    settings.SANDBOX_VIDEO_SECONDS = 30
    created = post(secret, "/videos", {"model": "google/veo-3.1", "prompt": "surf", "duration": 4})
    assert created.status_code == 202
    job = created.json()
    assert job["status"] == "pending" and job["id"].startswith("gen-vid-")
    assert job["polling_url"].endswith(f"/videos/{job['id']}")
    content = api(secret).get(f"{BASE}/videos/{job['id']}/content")
    assert content.status_code == 400  # not finished yet
    _age(job["id"], 15)
    assert api(secret).get(f"{BASE}/videos/{job['id']}").json()["status"] == "in_progress"
    _age(job["id"], 31)
    done = api(secret).get(f"{BASE}/videos/{job['id']}").json()
    assert done["status"] == "completed"
    assert done["usage"]["cost"] == pytest.approx(4 * 0.4)
    assert done["unsigned_urls"][0].endswith(f"/videos/{job['id']}/content?index=0")
    video = api(secret).get(f"{BASE}/videos/{job['id']}/content")
    assert video["Content-Type"] == "video/mp4" and video.content[4:8] == b"ftyp"


def test_video_job_with_fail_marker_ends_failed(secret, settings):
    settings.SANDBOX_VIDEO_SECONDS = 0
    job = post(secret, "/videos", {"model": "openai/sora-2", "prompt": "[fail] storm"}).json()
    polled = api(secret).get(f"{BASE}/videos/{job['id']}").json()
    assert polled["status"] == "failed" and polled["error"]


def test_video_jobs_are_private_to_their_account(secret, other_sandbox_account, settings):
    settings.SANDBOX_VIDEO_SECONDS = 0
    job = post(secret, "/videos", {"model": "openai/sora-2", "prompt": "x"}).json()
    other, _ = other_sandbox_account
    ws = Workspace.objects.get(account=other, is_default=True)
    _key, other_secret = key_insert(other, ws, name="other")
    assert api(other_secret).get(f"{BASE}/videos/{job['id']}").status_code == 404


# --- files -----------------------------------------------------------------------------------


def _upload(secret, name: str, content: bytes):
    return api(secret).post(f"{BASE}/files", {"file": SimpleUploadedFile(name, content)})


def test_files_upload_sniffs_type_and_lists_with_a_cursor(secret):
    ids = [_upload(secret, f"f{i}.txt", f"file {i}".encode()).json()["id"] for i in range(5)]
    pdf = _upload(secret, "doc.pdf", b"%PDF-1.7 ...").json()
    assert pdf["mime_type"] == "application/pdf" and pdf["_shape"] == "openrouter"
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api(secret).get(f"{BASE}/files", params).json()
        assert page["_shape"] == "openrouter"
        seen += [f["id"] for f in page["data"]]
        pages += 1
        assert page["first_id"] == page["data"][0]["id"]
        if not page["has_more"]:
            assert page["cursor"] is None
            break
        cursor = page["cursor"]
    assert pages == 3
    assert seen == [pdf["id"], *reversed(ids)]  # newest first, nothing twice


def test_files_refuse_empty_unknown_and_download_of_uploads(secret):
    assert _upload(secret, "empty.txt", b"").status_code == 400
    assert _upload(secret, "blob.bin", b"\x00\xff\xfe\x00" * 4).status_code == 400
    uploaded = _upload(secret, "a.txt", b"hello").json()
    assert api(secret).get(f"{BASE}/files/{uploaded['id']}/content").status_code == 400
    assert api(secret).get(f"{BASE}/files", {"cursor": "@@bad@@"}).status_code == 400


def test_file_delete_then_get_is_404(secret):
    uploaded = _upload(secret, "a.txt", b"hello").json()
    deleted = api(secret).delete(f"{BASE}/files/{uploaded['id']}").json()
    assert deleted == {"_shape": "openrouter", "id": uploaded["id"], "type": "file_deleted"}
    assert api(secret).get(f"{BASE}/files/{uploaded['id']}").status_code == 404


def test_server_created_file_downloads_its_bytes(secret, sandbox_account):
    account, _ = sandbox_account
    f = SandboxFile.objects.create(
        file_id="or_file_server1",
        account=account,
        workspace=Workspace.objects.get(account=account, is_default=True),
        filename="out.jsonl",
        mime_type="application/jsonl",
        size_bytes=3,
        content=b"{}\n",
        downloadable=True,
    )
    response = api(secret).get(f"{BASE}/files/{f.file_id}/content")
    assert response.status_code == 200 and response.content == b"{}\n"


# --- PKCE ------------------------------------------------------------------------------------


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def _code(secret, **extra) -> str:
    body = {"callback_url": "https://app.example/callback", **extra}
    return post(secret, "/auth/keys/code", body).json()["data"]["id"]


def test_pkce_s256_exchange_returns_a_working_key_once(secret):
    verifier = "v" * 50
    code = _code(secret, code_challenge=_challenge(verifier), code_challenge_method="S256", limit=5)
    exchanged = Client().post(
        f"{BASE}/auth/keys",
        json.dumps({"code": code, "code_verifier": verifier, "code_challenge_method": "S256"}),
        content_type="application/json",
    )
    assert exchanged.status_code == 200
    key = exchanged.json()["key"]
    assert api(key).get(f"{BASE}/key").json()["data"]["limit"] == 5
    again = Client().post(
        f"{BASE}/auth/keys",
        json.dumps({"code": code, "code_verifier": verifier}),
        content_type="application/json",
    )
    assert again.status_code == 403  # a code is single-use


def test_pkce_wrong_verifier_is_refused(secret):
    code = _code(secret, code_challenge=_challenge("right"), code_challenge_method="S256")
    response = Client().post(
        f"{BASE}/auth/keys",
        json.dumps({"code": code, "code_verifier": "wrong"}),
        content_type="application/json",
    )
    assert response.status_code == 403


def test_pkce_plain_method_compares_the_verifier_itself(secret):
    code = _code(secret, code_challenge="plain-secret", code_challenge_method="plain")
    response = Client().post(
        f"{BASE}/auth/keys",
        json.dumps({"code": code, "code_verifier": "plain-secret"}),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["key"].startswith("sk-or-v1-")


def test_pkce_missing_verifier_is_400(secret):
    code = _code(secret, code_challenge=_challenge("x"), code_challenge_method="S256")
    response = Client().post(
        f"{BASE}/auth/keys", json.dumps({"code": code}), content_type="application/json"
    )
    assert response.status_code == 400


# --- rate-limit storm ------------------------------------------------------------------------


def test_sandbox_fault_storm_answers_429_with_retry_after_until_cleared(sandbox_account, secret):
    account, management = sandbox_account
    call_command("sandbox_fault", account=account.id, spec="429,retry_after=5", seconds=60)
    for path in ("/key", "/models/user"):
        response = api(secret).get(f"{BASE}{path}")
        assert response.status_code == 429
        assert response["Retry-After"] == "5"
    assert api(management).get(f"{BASE}/credits").status_code == 429
    call_command("sandbox_fault", account=account.id, clear=True)
    assert api(secret).get(f"{BASE}/key").status_code == 200


def test_sandbox_fault_storm_ends_by_itself(sandbox_account, secret):
    account, _ = sandbox_account
    call_command("sandbox_fault", account=account.id, spec="429,retry_after=5", seconds=60)
    Account.objects.filter(id=account.id).update(fault_until=timezone.now() - timedelta(seconds=1))
    assert api(secret).get(f"{BASE}/key").status_code == 200


def test_sandbox_fault_rejects_bad_specs(sandbox_account):
    account, _ = sandbox_account
    with pytest.raises(CommandError):
        call_command("sandbox_fault", account=account.id, spec="status=200")
    with pytest.raises(CommandError):
        call_command("sandbox_fault", account="org_missing", spec="429")


def test_runsandbox_serves_the_standalone_urlconf(monkeypatch, settings):
    calls = []
    monkeypatch.setattr(
        "apps.sandbox.management.commands.runsandbox.call_command",
        lambda *args, **kwargs: calls.append((args, kwargs)),
    )
    # Overriding through the fixture first means the command's change is undone afterwards.
    settings.ROOT_URLCONF = settings.ROOT_URLCONF
    call_command("runsandbox", port=8765)
    assert settings.ROOT_URLCONF == "apps.sandbox.standalone_urls"
    assert calls == [(("runserver", "127.0.0.1:8765"), {"use_reloader": False})]


def test_runsandbox_change_does_not_leak_into_other_tests(settings):
    assert settings.ROOT_URLCONF == "console.urls"

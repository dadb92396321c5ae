"""Files: the mirror, uploads checked before sending, upstream refusals, delete, ownership."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.audit.context import Actor
from apps.inference.services import console_key_for
from apps.media.models import MediaFile
from apps.sandbox.models import SandboxFile
from apps.syncs.runner import sync_run

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
PDF = b"%PDF-1.4\n% a tiny file\n"


def _upload(client, name="notes.pdf", content=PDF, **extra):
    return client.post(
        reverse("media:file_upload"),
        {"workspace_id": "", "file": SimpleUploadedFile(name, content)},
        **extra,
    )


def _toast(response) -> str:
    return json.loads(response.headers.get("HX-Trigger", "{}")).get("toast", {}).get("message", "")


def test_upload_then_details_then_delete(client_for, member):
    client = client_for(member)
    response = _upload(client, **HTMX)
    assert response.status_code == 200 and response.headers["HX-Redirect"]
    row = MediaFile.objects.get(uploaded_by=member)
    assert row.mime_type == "application/pdf" and row.size_bytes == len(PDF)
    assert SandboxFile.objects.filter(file_id=row.file_id).exists()
    listing = client.get(reverse("media:files")).content.decode()
    assert "notes.pdf" in listing
    detail = client.get(reverse("media:file_detail", args=[row.pk])).content.decode()
    assert row.file_id in detail and "cannot be downloaded" in detail
    dialog = client.get(reverse("media:file_delete", args=[row.pk]), **HTMX).content.decode()
    assert "<dialog" in dialog and "<html" not in dialog
    assert client.post(reverse("media:file_delete", args=[row.pk]), **HTMX).status_code == 200
    assert not MediaFile.objects.filter(pk=row.pk).exists()
    assert not SandboxFile.objects.filter(file_id=row.file_id).exists()


def test_a_file_over_the_limit_is_refused_before_sending(client_for, member, settings):
    settings.FILES_MAX_BYTES = 10
    response = _upload(client_for(member), **HTMX)
    assert response.status_code == 422 and "the limit is" in response.content.decode()
    assert not SandboxFile.objects.exists()


def test_a_refused_type_is_refused_before_sending(client_for, member):
    response = _upload(client_for(member), name="x.bin", content=b"\x00\xff\xfe\x01" * 50, **HTMX)
    assert response.status_code == 422 and "type of file is refused" in response.content.decode()
    assert not SandboxFile.objects.exists()


def test_upstreams_413_is_shown_clearly(client_for, member, upstream_fault, organisation):
    console_key_for(Actor(organisation=organisation, user=member), member)
    upstream_fault("413")
    response = _upload(client_for(member), **HTMX)
    assert response.status_code == 422 and "over its size limit" in response.content.decode()


@pytest.mark.parametrize("fault", ["429", "503"])
def test_upstream_failures_on_upload_keep_the_form(
    client_for, member, upstream_fault, organisation, fault
):
    console_key_for(Actor(organisation=organisation, user=member), member)
    upstream_fault(fault)
    response = _upload(client_for(member), **HTMX)
    assert response.status_code == 422 and 'id="upload"' in response.content.decode()


def test_members_see_only_their_own_files_admins_all(client_for, member, admin):
    _upload(client_for(member), name="mine.pdf")
    _upload(client_for(admin), name="admins.pdf")
    body = client_for(member).get(reverse("media:files")).content.decode()
    assert "mine.pdf" in body and "admins.pdf" not in body
    admin_body = client_for(admin).get(reverse("media:files")).content.decode()
    assert "mine.pdf" in admin_body and "admins.pdf" in admin_body
    theirs = MediaFile.objects.get(filename="admins.pdf")
    client = client_for(member)
    for name in ("media:file_detail", "media:file_download", "media:file_delete"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
    assert client.post(reverse("media:file_delete", args=[theirs.pk])).status_code == 404


def test_outsider_gets_404_for_every_file_url(client_for, outsider, member):
    _upload(client_for(member))
    row = MediaFile.objects.get()
    for name in ("media:file_detail", "media:file_download", "media:file_delete"):
        assert client_for(outsider).get(reverse(name, args=[row.pk])).status_code == 404


def test_finance_has_no_files_page(client_for, finance):
    assert client_for(finance).get(reverse("media:files")).status_code == 403


def test_results_partial_and_workspace_filter(client_for, admin):
    _upload(client_for(admin), name="a.pdf")
    partial = client_for(admin).get(reverse("media:files"), {"workspace": "nope"}, **HTMX)
    body = partial.content.decode()
    assert 'id="file-results"' in body and "<html" not in body and "a.pdf" not in body


def test_uploads_cannot_be_downloaded(client_for, member):
    _upload(client_for(member))
    row = MediaFile.objects.get()
    response = client_for(member).get(reverse("media:file_download", args=[row.pk]), **HTMX)
    assert response.status_code == 422 and "uploads cannot" in _toast(response)


def test_server_created_files_download_through_the_console(client_for, member):
    _upload(client_for(member))
    row = MediaFile.objects.get()
    SandboxFile.objects.filter(file_id=row.file_id).update(downloadable=True)
    MediaFile.objects.filter(pk=row.pk).update(downloadable=True)
    response = client_for(member).get(reverse("media:file_download", args=[row.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF


def test_the_files_stream_mirrors_every_workspace_by_cursor(organisation, member, client_for):
    for i in range(3):
        _upload(client_for(member), name=f"f{i}.pdf")
    MediaFile.objects.all().delete()
    outcome = sync_run(organisation, "files")
    assert outcome.run.ok, outcome.run.error
    assert MediaFile.objects.filter(organisation=organisation).count() == 3

"""Files: the mirror (a stream pages every workspace by cursor), upload, delete, download.

Uploads are checked before anything is sent — size (``FILES_MAX_BYTES``, upstream's 100 MB)
and type, sniffed from the bytes the way upstream decides — and go up with the person's
console key into the workspace they chose.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.audit.context import Actor
from apps.audit.services import audit_record
from apps.core.errors import Invalid
from apps.core.times import as_datetime
from apps.gateway import errors as upstream
from apps.gateway import files as gateway_files
from apps.inference import services as inference
from apps.inference.models import ConsoleKey
from apps.media.models import MediaFile
from apps.workspaces.selectors import workspace_ids

TARGET = "file"
_OFFICE = (".docx", ".xlsx", ".pptx")


def sniff(head: bytes, filename: str) -> str | None:
    """The MIME type upstream would give these first bytes, or ``None`` if it refuses them."""
    if head.startswith(b"%PDF"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip" if filename.lower().endswith(_OFFICE) else None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(head) - 4:
            return None
    return "text/plain"


def upload_check(*, filename: str, size: int, head: bytes) -> str:
    """Refuse what upstream would refuse, before sending; answers the sniffed type."""
    limit = settings.FILES_MAX_BYTES
    if size <= 0:
        raise Invalid("The file is empty.", field="file")
    if size > limit:
        raise Invalid(
            f"The file is {size / 1048576:.1f} MB; the limit is {limit / 1048576:.0f} MB.",
            field="file",
        )
    kind = sniff(head, filename)
    if kind is None:
        raise Invalid(
            "That type of file is refused: upload a PDF, an image (PNG, JPEG, GIF, WebP), a "
            "DOCX/XLSX/PPTX document, audio (MP3, WAV, FLAC, OGG) or UTF-8 text.",
            field="file",
        )
    return kind


def _store(organisation, data, workspace_id: str, *, uploaded_by=None) -> MediaFile:
    defaults = {
        "workspace_id": workspace_id,
        "filename": data.filename,
        "mime_type": data.mime_type or "",
        "size_bytes": int(data.size_bytes or 0),
        "created_at": as_datetime(data.created_at) or timezone.now(),
        "downloadable": bool(data.downloadable),
        "synced_at": timezone.now(),
    }
    if uploaded_by is not None:
        defaults["uploaded_by"] = uploaded_by
    row, _ = MediaFile.objects.update_or_create(
        organisation=organisation, file_id=data.id, defaults=defaults
    )
    return row


def _snapshot(row: MediaFile) -> dict:
    return {
        "filename": row.filename,
        "workspace_id": row.workspace_id,
        "mime_type": row.mime_type,
        "size_bytes": row.size_bytes,
    }


def file_upload(actor: Actor, *, workspace_id: str, upload) -> MediaFile:
    """``upload`` is a Django ``UploadedFile``; checked, then sent with the person's key."""
    head = upload.read(4096)
    upload.seek(0)
    kind = upload_check(filename=upload.name or "upload", size=upload.size, head=head)
    key = inference.inference_key_for(actor)
    try:
        data = gateway_files.file_upload(
            key.creds,
            workspace_id=workspace_id or None,
            filename=upload.name or "upload",
            content=upload.read(),
            content_type=upload.content_type or kind,
        )
    except upstream.PayloadTooLarge:
        raise Invalid(
            "OpenRouter refused the file: it is over its size limit.", field="file"
        ) from None
    except upstream.BadRequest as exc:
        raise Invalid(
            f"OpenRouter refused the file: {exc.upstream_message or exc.message}", field="file"
        ) from None
    with transaction.atomic():
        row = _store(actor.organisation, data, workspace_id, uploaded_by=actor.user)
        audit_record(
            actor,
            action="file.upload",
            target_type=TARGET,
            target_id=row.file_id,
            target_label=row.filename,
            after=_snapshot(row),
        )
    return row


def _creds(actor: Actor):
    return inference.inference_key_for(actor).creds


def file_delete(actor: Actor, row: MediaFile) -> None:
    before = _snapshot(row)
    with contextlib.suppress(upstream.NotFound):  # already gone upstream: finish locally
        gateway_files.file_delete(_creds(actor), row.file_id, workspace_id=row.workspace_id or None)
    with transaction.atomic():
        MediaFile.objects.filter(pk=row.pk).delete()
        audit_record(
            actor,
            action="file.delete",
            target_type=TARGET,
            target_id=row.file_id,
            target_label=row.filename,
            before=before,
        )


def file_download(actor: Actor, row: MediaFile) -> tuple[str, Iterator[bytes]]:
    if not row.downloadable:
        raise Invalid("Only files OpenRouter created can be downloaded; uploads cannot.")
    return gateway_files.file_download(
        _creds(actor), row.file_id, workspace_id=row.workspace_id or None
    )


def files_sync_run(ctx) -> None:
    """Every workspace's files, by cursor, into the mirror; files gone upstream leave it."""
    organisation = ctx.organisation
    if not ConsoleKey.objects.filter(organisation=organisation).exists():
        ctx.message = "No console key yet: nothing to list."
        return
    creds = inference.console_credentials(inference.service_key_for(organisation))
    seen: set[str] = set()
    for workspace_id in workspace_ids(organisation) or [""]:
        cursor = None
        while True:
            page = gateway_files.files_page(creds, workspace_id=workspace_id or None, cursor=cursor)
            for data in page.data:
                _store(organisation, data, workspace_id)
                seen.add(data.id)
                ctx.rows += 1
            if not page.has_more or not page.cursor:
                break
            cursor = page.cursor
    MediaFile.objects.filter(organisation=organisation).exclude(file_id__in=seen).delete()
    ctx.message = f"{len(seen)} files"

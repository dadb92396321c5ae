"""``/files``: multipart upload, cursor pagination, metadata, delete, and content."""

from __future__ import annotations

import base64
import secrets

from django.http import HttpResponse, JsonResponse

from apps.sandbox.http import ApiError, Caller, endpoint, iso, query_int
from apps.sandbox.lookups import workspace_by_ref
from apps.sandbox.models import SandboxFile

MAX_BYTES = 100 * 1024 * 1024
SHAPE = {"_shape": "openrouter"}
_OFFICE = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def sniff(content: bytes, filename: str) -> str:
    """The MIME type from the first bytes, the way upstream decides what it accepts."""
    head = content[:16]
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
        for suffix, mime in _OFFICE.items():
            if filename.lower().endswith(suffix):
                return mime
        raise ApiError(400, "Unsupported file type: only DOCX, XLSX and PPTX archives")
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "Unsupported file type") from None
    return "text/plain"


def file_json(f: SandboxFile) -> dict:
    return {
        **SHAPE,
        "id": f.file_id,
        "type": "file",
        "filename": f.filename,
        "mime_type": f.mime_type,
        "size_bytes": f.size_bytes,
        "created_at": iso(f.created_at),
        "downloadable": f.downloadable,
    }


def _workspace(request, caller: Caller, *, missing_status: int = 404):
    ref = request.GET.get("workspace_id")
    if ref:
        return workspace_by_ref(caller.account, ref, missing_status=missing_status)
    return caller.key.workspace


def _provider(request) -> None:
    if request.GET.get("provider") not in (None, "", "openrouter"):
        raise ApiError(400, "The sandbox stores files itself: provider must be omitted")


def _encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind != "seq":
            raise ValueError(kind)
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "cursor is not valid") from None


@endpoint(auth="key", methods=("GET", "POST"))
def files_collection(request, caller: Caller):
    _provider(request)
    workspace = _workspace(request, caller, missing_status=400)
    if request.method == "POST":
        return _upload(request, caller, workspace)
    if request.GET.get("order") not in (None, "", "asc") or request.GET.get("before_id"):
        raise ApiError(400, "before_id and order=desc are not supported")
    limit = query_int(request, "limit", 100, low=1, high=1000)
    files = SandboxFile.objects.filter(account=caller.account, workspace=workspace).order_by("-seq")
    if cursor := request.GET.get("cursor") or request.GET.get("after"):
        files = files.filter(seq__lt=_decode_cursor(cursor))
    elif after_id := request.GET.get("after_id"):
        anchor = SandboxFile.objects.filter(account=caller.account, file_id=after_id).first()
        if anchor is None:
            raise ApiError(400, "after_id does not name a file")
        files = files.filter(seq__lt=anchor.seq)
    page = list(files.defer("content")[: limit + 1])
    has_more = len(page) > limit
    page = page[:limit]
    return JsonResponse(
        {
            **SHAPE,
            "data": [file_json(f) for f in page],
            "first_id": page[0].file_id if page else None,
            "last_id": page[-1].file_id if page else None,
            "has_more": has_more,
            "cursor": _encode_cursor(page[-1].seq) if has_more else None,
        }
    )


def _upload(request, caller: Caller, workspace) -> JsonResponse:
    upload = request.FILES.get("file")
    if upload is None:
        raise ApiError(400, "multipart field 'file' is required")
    if upload.size > MAX_BYTES:
        raise ApiError(413, "File exceeds the 100 MB limit")
    content = upload.read()
    if not content:
        raise ApiError(400, "File is empty")
    filename = upload.name or "upload"
    f = SandboxFile.objects.create(
        file_id=f"or_file_{secrets.token_hex(12)}",
        account=caller.account,
        workspace=workspace,
        filename=filename,
        mime_type=sniff(content, filename),
        size_bytes=len(content),
        content=content,
        downloadable=False,  # only server-created files can be downloaded
    )
    return JsonResponse(file_json(f))


def _file(request, caller: Caller, file_id: str) -> SandboxFile:
    _provider(request)
    f = SandboxFile.objects.filter(
        account=caller.account, workspace=_workspace(request, caller), file_id=file_id
    ).first()
    if f is None:
        raise ApiError(404, "File not found")
    return f


@endpoint(auth="key", methods=("GET", "DELETE"))
def file_item(request, caller: Caller, file_id: str):
    f = _file(request, caller, file_id)
    if request.method == "DELETE":
        f.delete()
        return JsonResponse({**SHAPE, "id": file_id, "type": "file_deleted"})
    return JsonResponse(file_json(f))


@endpoint(auth="key")
def file_content(request, caller: Caller, file_id: str):
    f = _file(request, caller, file_id)
    if not f.downloadable:
        raise ApiError(400, "Uploaded files cannot be downloaded; only server-created files can")
    response = HttpResponse(bytes(f.content), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{f.filename}"'
    return response

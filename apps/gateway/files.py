"""Files (``/files``): per workspace, cursor pages, upload, metadata, delete, content."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from apps.gateway.core import Credentials
from apps.gateway.inference import run

__all__ = ["file_delete", "file_download", "file_get", "file_upload", "files_page"]

CHUNK = 64 * 1024


def files_page(
    creds: Credentials, *, workspace_id: str | None, cursor: str | None = None, limit: int = 100
) -> Any:
    """One page, newest first: ``.data`` (files), ``.has_more`` and ``.cursor`` for the next."""
    response = run(
        creds,
        lambda sdk: sdk.files.list(workspace_id=workspace_id or None, cursor=cursor, limit=limit),
    )
    return response.result


def file_upload(
    creds: Credentials,
    *,
    workspace_id: str | None,
    filename: str,
    content: bytes,
    content_type: str,
) -> Any:
    return run(
        creds,
        lambda sdk: sdk.files.upload(
            file={"file_name": filename, "content": content, "content_type": content_type},
            workspace_id=workspace_id or None,
        ),
        idempotent=False,
    )


def file_get(creds: Credentials, file_id: str, *, workspace_id: str | None) -> Any:
    return run(creds, lambda sdk: sdk.files.retrieve(file_id=file_id, workspace_id=workspace_id))


def file_delete(creds: Credentials, file_id: str, *, workspace_id: str | None) -> Any:
    return run(
        creds, lambda sdk: sdk.files.delete(file_id=file_id, workspace_id=workspace_id or None)
    )


def file_download(
    creds: Credentials, file_id: str, *, workspace_id: str | None
) -> tuple[str, Iterator[bytes]]:
    response = run(
        creds,
        lambda sdk: sdk.files.download(file_id=file_id, workspace_id=workspace_id or None),
    )

    def chunks() -> Iterator[bytes]:
        try:
            yield from response.iter_bytes(CHUNK)
        finally:
            response.close()

    return response.headers.get("content-type", "application/octet-stream"), chunks()

"""Video jobs (``/videos``), made and read with an ordinary key; the catalog of video models."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from apps.gateway.core import Credentials, call
from apps.gateway.inference import run

__all__ = ["video_content", "video_get", "video_models", "video_submit"]

CHUNK = 64 * 1024


def video_models(creds: Credentials) -> list[Any]:
    """``GET /videos/models``: what each video model supports (a catalog read; any key)."""
    return list(call(creds, lambda sdk: sdk.video_generation.list_videos_models()).data)


def video_submit(creds: Credentials, **fields: Any) -> Any:
    """``POST /videos`` → 202 job. Not retried except on a 429/503 refused before processing."""
    body = {k: v for k, v in fields.items() if v not in (None, "", [])}
    return run(creds, lambda sdk: sdk.video_generation.generate(**body), idempotent=False)


def video_get(creds: Credentials, job_id: str) -> Any:
    """``GET /videos/{jobId}``: the job's status, and once done its usage and content URLs."""
    return run(creds, lambda sdk: sdk.video_generation.get_generation(job_id=job_id))


def video_content(creds: Credentials, job_id: str, index: int = 0) -> tuple[str, Iterator[bytes]]:
    """``(content type, bytes iterator)`` of one output, streamed (the key stays server-side)."""
    response = run(
        creds, lambda sdk: sdk.video_generation.get_video_content(job_id=job_id, index=index)
    )

    def chunks() -> Iterator[bytes]:
        try:
            yield from response.iter_bytes(CHUNK)
        finally:
            response.close()

    return response.headers.get("content-type", "video/mp4"), chunks()

"""The media streams: the video models catalog and every workspace's files."""

from __future__ import annotations

from datetime import timedelta

from apps.accounts.roles import Perm
from apps.media.services.catalog import video_models_sync_run
from apps.media.services.files import files_sync_run
from apps.syncs.registry import Stream, register

MODELS_STREAM = "video_models"
FILES_STREAM = "files"


def register_streams() -> None:
    register(
        Stream(
            MODELS_STREAM,
            "Video models",
            interval=timedelta(hours=6),
            run=video_models_sync_run,
            view_perm=Perm.USE_INFERENCE,
            description="What each video model supports (GET /videos/models), for the submit form.",
        )
    )
    register(
        Stream(
            FILES_STREAM,
            "Files",
            interval=timedelta(minutes=10),
            run=files_sync_run,
            view_perm=Perm.USE_INFERENCE,
            description="Every workspace's files (GET /files, by cursor).",
        )
    )

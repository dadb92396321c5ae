"""The video models stream: ``GET /videos/models`` into :class:`VideoModel` (pages read it)."""

from __future__ import annotations

from django.utils import timezone

from apps.gateway.core import credentials_for
from apps.gateway.videos import video_models
from apps.media.models import VideoModel


def _list(value) -> list:
    return list(value) if value else []


def video_models_sync_run(ctx) -> None:
    organisation = ctx.organisation
    models = video_models(credentials_for(organisation))
    now = timezone.now()
    seen = []
    for item in models:
        VideoModel.objects.update_or_create(
            organisation=organisation,
            model_id=item.id,
            defaults={
                "name": item.name,
                "resolutions": _list(item.supported_resolutions),
                "durations": _list(item.supported_durations),
                "aspect_ratios": _list(item.supported_aspect_ratios),
                "sizes": _list(item.supported_sizes),
                "frame_images": _list(item.supported_frame_images),
                "generate_audio": bool(item.generate_audio),
                "seed": bool(item.seed),
                "pricing_skus": dict(item.pricing_skus or {}),
                "synced_at": now,
            },
        )
        seen.append(item.id)
        ctx.rows += 1
    VideoModel.objects.filter(organisation=organisation).exclude(model_id__in=seen).delete()
    ctx.message = f"{len(seen)} video models"

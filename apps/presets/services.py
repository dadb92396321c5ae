"""Presets: the stream, saves (gateway → mirror → audit) and the streamed playground.

Every upstream call here uses an ordinary key: the organisation's console service key for
the sync, the person's own key (``apps.inference``) for saves and the playground; never the
management key.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from apps.audit.context import Actor
from apps.audit.services import audit_record
from apps.core.errors import Conflict
from apps.core.times import as_datetime
from apps.gateway import inference as gateway_inference
from apps.gateway import presets as gateway
from apps.gateway.errors import BadRequest, UpstreamError
from apps.inference import services as inference
from apps.presets.models import Preset, PresetVersion
from apps.syncs.runner import SyncContext

TARGET = "preset"
PLAY_LOCK_SECONDS = 120
FIELDS = ("temperature", "max_tokens", "top_p", "model", "slug")


# --- the mirror ------------------------------------------------------------------------------


def _version_from(preset: Preset, data: Any) -> PresetVersion:
    return PresetVersion(
        preset=preset,
        version_id=str(data.id),
        version=int(data.version),
        system_prompt=data.system_prompt or "",
        config=dict(data.config or {}),
        creator_id=str(data.creator_id or ""),
        created_at=as_datetime(data.created_at),
    )


def preset_store(organisation, data: Any, versions: list[Any], now: datetime) -> Preset:
    preset, _ = Preset.objects.update_or_create(
        organisation=organisation,
        slug=data.slug,
        defaults={
            "preset_id": str(data.id),
            "name": data.name or "",
            "description": data.description or "",
            "status": str(data.status or "active"),
            "workspace_id": str(data.workspace_id or ""),
            "creator_user_id": str(data.creator_user_id or ""),
            "designated_version_id": str(data.designated_version_id or ""),
            "created_at": as_datetime(data.created_at),
            "updated_at": as_datetime(data.updated_at),
            "synced_at": now,
        },
    )
    rows = [_version_from(preset, v) for v in versions]
    PresetVersion.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["preset", "version"],
        update_fields=["version_id", "system_prompt", "config", "creator_id", "created_at"],
    )
    preset.versions.exclude(version__in=[r.version for r in rows]).delete()
    return preset


def presets_sync_run(ctx: SyncContext) -> None:
    """Every preset with every version, read with the organisation's console service key;
    presets no longer listed are removed (upstream has no delete, but an account can lose
    them)."""
    organisation = ctx.organisation
    started = timezone.now()
    creds = inference.console_credentials(inference.service_key_for(organisation))
    listed = gateway.presets_list(creds)
    for data in listed:
        versions = gateway.preset_versions(creds, data.slug)
        with transaction.atomic():
            preset_store(organisation, data, versions, timezone.now())
            ctx.checkpoint(slug=data.slug)
    gone, _ = Preset.objects.filter(organisation=organisation, synced_at__lt=started).delete()
    ctx.rows += len(listed)
    ctx.message = f"{len(listed)} presets synced" + (f", {gone} removed" if gone else "")


# --- saves -----------------------------------------------------------------------------------


def snapshot(preset: Preset) -> dict[str, Any]:
    version = preset.designated
    return {
        "slug": preset.slug,
        "version": version.version if version else None,
        "system_prompt": version.system_prompt if version else None,
        "config": version.config if version else None,
    }


def _field_of(exc: UpstreamError) -> UpstreamError:
    if exc.field is None and isinstance(exc, BadRequest):
        said = exc.upstream_message.lower()
        exc.field = next((f for f in FIELDS if said.startswith(f)), None)
    return exc


def preset_save(
    actor: Actor,
    *,
    slug: str,
    system_prompt: str,
    config: dict,
    preset: Preset | None = None,
) -> Preset:
    """Create a preset (``preset`` None) or save a new designated version of it, with the
    person's own key."""
    before = snapshot(preset) if preset is not None else None
    key = inference.inference_key_for(actor)
    try:
        data = gateway.preset_save(
            key.creds, slug, system_prompt=system_prompt or None, config=config
        )
        versions = gateway.preset_versions(key.creds, slug)
    except UpstreamError as exc:
        raise _field_of(exc) from None
    with transaction.atomic():
        saved = preset_store(actor.organisation, data, versions, timezone.now())
        audit_record(
            actor,
            action="preset.create" if preset is None else "preset.version",
            target_type=TARGET,
            target_id=saved.slug,
            target_label=saved.name or saved.slug,
            before=before,
            after=snapshot(saved),
        )
    return saved


# --- the playground --------------------------------------------------------------------------


@dataclass
class PlayResult:
    """What a playground run produced so far (kept when the stream is cut)."""

    text: str = ""
    generation_id: str = ""
    model: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost: Decimal | None = None
    finish_reason: str = ""
    error: str = ""
    cut: bool = False
    extra: dict = field(default_factory=dict)


def play_request(preset: Preset, prompt: str) -> tuple[str, list[dict], dict]:
    """``(model, messages, params)``: the designated version applied to one user message."""
    version = preset.designated
    if version is None or not version.model:
        raise Conflict("This preset has no version with a model to run yet.")
    messages = [{"role": "user", "content": prompt}]
    if version.system_prompt:
        messages.insert(0, {"role": "system", "content": version.system_prompt})
    params = {k: v for k, v in version.config.items() if k in gateway.CHAT_PARAMS}
    return version.model, messages, params


def _lock_key(actor: Actor, preset: Preset) -> str:
    return f"presets:play:{actor.organisation.pk}:{actor.user.pk}:{preset.slug}"


def preset_play(
    actor: Actor, preset: Preset, *, prompt: str, session=None, use_session_key: bool = False
) -> Iterator[tuple[str, Any]]:
    """Run the preset with the person's own key, streamed: yields ``("text", delta)`` as
    it arrives, then ``("done", PlayResult)`` (also after a cut or a refusal, with
    ``error`` set and the partial text kept). One run per person and preset at a time."""
    model, messages, params = play_request(preset, prompt)
    lock = _lock_key(actor, preset)
    if not cache.add(lock, 1, PLAY_LOCK_SECONDS):
        raise Conflict("This preset is already running for you: wait for that answer.")
    try:
        key = inference.inference_key_for(actor, session=session, prefer_session=use_session_key)
    except BaseException:
        cache.delete(lock)
        raise
    return PlayRun(_stream(key, lock, model, messages, params), lock)


class PlayRun:
    """The run's events; ``close()`` (called by the response when the browser leaves, or
    the run is never read) stops the upstream stream and frees the person's slot."""

    def __init__(self, events: Iterator[tuple[str, Any]], lock: str) -> None:
        self.events = events
        self.lock = lock

    def __iter__(self):
        return self.events

    def __next__(self):
        return next(self.events)

    def close(self) -> None:
        self.events.close()
        cache.delete(self.lock)


def _stream(key, lock: str, model: str, messages: list[dict], params: dict):
    result = PlayResult(model=model)
    try:
        for chunk in gateway_inference.chat_stream(
            key.creds, model=model, messages=messages, **params
        ):
            result.generation_id = result.generation_id or str(chunk.id or "")
            for choice in chunk.choices or []:
                delta = choice.delta.content if choice.delta else None
                if delta:
                    result.text += delta
                    yield "text", delta
                if choice.finish_reason:
                    result.finish_reason = str(choice.finish_reason)
            if chunk.usage is not None:
                result.prompt_tokens = int(chunk.usage.prompt_tokens)
                result.completion_tokens = int(chunk.usage.completion_tokens)
                if chunk.usage.cost is not None:
                    result.cost = Decimal(str(chunk.usage.cost))
        if not result.finish_reason:
            # The stream ended without its last chunk: the connection was cut.
            result.error = "The answer stopped before it was finished: the stream was cut."
            result.cut = bool(result.text)
    except UpstreamError as exc:
        result.error = exc.user_message
        result.cut = bool(result.text)
    finally:
        cache.delete(lock)
    yield "done", result

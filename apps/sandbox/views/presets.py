"""``/presets``: list, get, versions, and create/version from an inference body.

``POST /presets/{slug}/chat/completions|messages|responses`` takes an ordinary request
body: the preset is created when the slug is new, otherwise a new version is created and
designated. Only configuration fields persist; the system prompt is lifted out of the
system message (chat), ``system`` (messages) or ``instructions`` (responses).
"""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.sandbox.catalog import MODELS, MODELS_BY_ID
from apps.sandbox.http import ApiError, Caller, endpoint, field, iso, json_body, ok
from apps.sandbox.models import Preset, PresetVersion
from apps.sandbox.views.common import paginated

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CONFIG_FIELDS = frozenset(
    {
        "model",
        "models",
        "temperature",
        "top_p",
        "top_k",
        "top_a",
        "min_p",
        "frequency_penalty",
        "presence_penalty",
        "repetition_penalty",
        "seed",
        "max_tokens",
        "max_completion_tokens",
        "max_output_tokens",
        "max_tool_calls",
        "stop",
        "stop_sequences",
        "provider",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "reasoning",
        "reasoning_effort",
        "thinking",
        "response_format",
        "text",
        "plugins",
        "route",
        "fallbacks",
        "service_tier",
        "logit_bias",
        "logprobs",
        "top_logprobs",
        "modalities",
        "image_config",
        "output_config",
        "truncation",
        "include",
        "cache_control",
        "context_management",
        "speed",
    }
)


def version_json(v: PresetVersion) -> dict:
    return {
        "id": str(v.id),
        "preset_id": str(v.preset_id),
        "version": v.version,
        "system_prompt": v.system_prompt,
        "config": v.config,
        "creator_id": v.creator_id,
        "created_at": iso(v.created_at),
        "updated_at": iso(v.updated_at),
    }


def preset_json(p: Preset, *, with_version: bool = False) -> dict:
    data = {
        "id": str(p.id),
        "slug": p.slug,
        "name": p.name,
        "description": p.description,
        "status": p.status,
        "status_updated_at": iso(p.status_updated_at),
        "creator_user_id": p.creator_user_id,
        "workspace_id": str(p.workspace_id) if p.workspace_id else None,
        "designated_version_id": str(p.designated_version_id) if p.designated_version_id else None,
        "created_at": iso(p.created_at),
        "updated_at": iso(p.updated_at),
    }
    if with_version:
        version = p.designated_version
        data["designated_version"] = version_json(version) if version else None
    return data


def _check_slug(slug: str) -> None:
    if not SLUG.match(slug) or len(slug) > 100:
        raise ApiError(400, "slug must be lowercase letters and digits joined by single hyphens")


def _preset(account, slug: str) -> Preset:
    _check_slug(slug)
    preset = (
        Preset.objects.filter(account=account, slug=slug)
        .select_related("designated_version")
        .first()
    )
    if preset is None:
        raise ApiError(404, f"Preset {slug} not found")
    return preset


@endpoint(auth="key")
def presets_list(request, caller: Caller):
    presets = Preset.objects.filter(account=caller.account).order_by("-updated_at", "id")
    return paginated(request, presets, preset_json)


@endpoint(auth="key")
def preset_detail(request, caller: Caller, slug: str):
    return ok(preset_json(_preset(caller.account, slug), with_version=True))


@endpoint(auth="key")
def versions_list(request, caller: Caller, slug: str):
    preset = _preset(caller.account, slug)
    return paginated(request, preset.versions.order_by("version"), version_json)


@endpoint(auth="key")
def version_detail(request, caller: Caller, slug: str, version: str):
    if not version.isdigit() or int(version) < 1:
        raise ApiError(400, "version must be a positive integer")
    preset = _preset(caller.account, slug)
    found = preset.versions.filter(version=int(version)).first()
    if found is None:
        raise ApiError(404, f"Version {version} of preset {slug} not found")
    return ok(version_json(found))


# --- create / version from an inference body ----------------------------------------------


def _text(content) -> str | None:
    """Text of a message ``content`` (a string or a list of text blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [
            block.get("text")
            for block in content
            if isinstance(block, dict) and isinstance(block.get("text"), str)
        ]
        return "\n".join(parts) if parts else None
    return None


def _system_prompt(kind: str, body: dict) -> str | None:
    if kind == "chat":
        for message in body.get("messages") or []:
            if isinstance(message, dict) and message.get("role") in ("system", "developer"):
                return _text(message.get("content"))
        return None
    if kind == "messages":
        return _text(body.get("system"))
    instructions = body.get("instructions")
    return instructions if isinstance(instructions, str) else None


def _known_model(model_id: str):
    base = model_id.split(":", 1)[0]
    return MODELS_BY_ID.get(base) or next((m for m in MODELS if m.permaslug == base), None)


def _validate(kind: str, body: dict) -> None:
    if kind in ("chat", "messages"):
        messages = field(body, "messages", list, required=True)
        if not all(isinstance(m, dict) for m in messages):
            raise ApiError(400, "messages must be an array of message objects")
    if kind == "messages":
        field(body, "model", str, required=True)
    if "model" in body:
        field(body, "model", str)
    if "models" in body:
        models = field(body, "models", list)
        if not all(isinstance(m, str) for m in models):
            raise ApiError(400, "models must be an array of strings")
    for model_id in [body.get("model"), *(body.get("models") or [])]:
        if model_id and _known_model(model_id) is None:
            raise ApiError(404, f"Model {model_id} not found")
    if "temperature" in body:
        temperature = field(body, "temperature", (int, float))
        if not 0 <= temperature <= 2:
            raise ApiError(400, "temperature must be between 0 and 2")


def _upsert(request, caller: Caller, slug: str, kind: str):
    _check_slug(slug)
    body = json_body(request)
    _validate(kind, body)
    config = {k: v for k, v in body.items() if k in CONFIG_FIELDS}
    system_prompt = _system_prompt(kind, body)
    creator = caller.key.creator_user_id or caller.account.owner_user_id
    now = timezone.now()
    with transaction.atomic(using="sandbox"):
        preset = (
            Preset.objects.select_for_update().filter(account=caller.account, slug=slug).first()
        )
        if preset is None:
            preset = Preset.objects.create(
                account=caller.account,
                workspace=caller.key.workspace,
                slug=slug,
                name=slug,
                creator_user_id=creator,
                created_at=now,
                updated_at=now,
            )
        elif preset.status == "archived":
            raise ApiError(409, f"Preset {slug} is archived")
        last = preset.versions.aggregate(m=Max("version"))["m"] or 0
        version = PresetVersion.objects.create(
            preset=preset,
            version=last + 1,
            config=config,
            system_prompt=system_prompt,
            creator_id=creator,
            created_at=now,
            updated_at=now,
        )
        preset.designated_version = version
        preset.updated_at = now
        preset.save(update_fields=["designated_version", "updated_at"])
    return ok(preset_json(preset, with_version=True))


@endpoint(auth="key", methods=("POST",))
def from_chat(request, caller: Caller, slug: str):
    return _upsert(request, caller, slug, "chat")


@endpoint(auth="key", methods=("POST",))
def from_messages(request, caller: Caller, slug: str):
    return _upsert(request, caller, slug, "messages")


@endpoint(auth="key", methods=("POST",))
def from_responses(request, caller: Caller, slug: str):
    return _upsert(request, caller, slug, "responses")

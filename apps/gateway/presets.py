"""Calls on presets (``/presets``). Upstream declares them with the ordinary API-key scheme:
every call here takes the :class:`Credentials` of a key the caller is entitled to, never the
management key. Upstream offers no delete or rename: a save makes a new designated version."""

from __future__ import annotations

import inspect
from typing import Any

from openrouter.chat import Chat
from openrouter.presets import Presets

from apps.gateway.core import Credentials
from apps.gateway.inference import run
from apps.gateway.paging import offset_all

PAGE_SIZE = 100
_NOT_CONFIG = {"self", "slug", "messages", "http_referer", "x_open_router_title"}
_NOT_CONFIG |= {"x_open_router_categories", "retries", "server_url", "timeout_ms"}
_NOT_CONFIG |= {"http_headers", "stream", "stream_options", "metadata", "session_id", "user"}
_NOT_CONFIG |= {"trace", "debug"}
# The config fields a save can carry, as the SDK's method names them.
CONFIG_PARAMS: frozenset[str] = frozenset(
    inspect.signature(Presets.create_presets_chat_completions).parameters
) - frozenset(_NOT_CONFIG)


def presets_list(creds: Credentials) -> list[Any]:
    """Every preset of the account (SDK ``Preset``), most recently updated first."""
    return offset_all(
        creds, lambda sdk, o, n: sdk.presets.list(offset=o, limit=n), page_size=PAGE_SIZE
    )


def preset_versions(creds: Credentials, slug: str) -> list[Any]:
    """Every version of one preset (SDK ``PresetVersion``), ascending."""
    return offset_all(
        creds,
        lambda sdk, o, n: sdk.presets.list_versions(slug=slug, offset=o, limit=n),
        page_size=PAGE_SIZE,
    )


def preset_save(creds: Credentials, slug: str, *, system_prompt: str | None, config: dict) -> Any:
    """Create the preset (new slug) or a new designated version of it, from a chat body."""
    messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
    fields = {k: v for k, v in config.items() if k in CONFIG_PARAMS}
    return run(
        creds,
        lambda sdk: sdk.presets.create_presets_chat_completions(
            slug=slug, messages=messages, **fields
        ),
        idempotent=False,
    ).data


# What of a preset's config a chat request can carry (the rest is upstream's to apply).
CHAT_PARAMS: frozenset[str] = frozenset(inspect.signature(Chat.send).parameters) - frozenset(
    _NOT_CONFIG | {"model"}
)

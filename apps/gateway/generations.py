"""Generations (``/generation``): what one request cost and said, read with an ordinary key."""

from __future__ import annotations

from typing import Any

from apps.gateway.core import Credentials
from apps.gateway.inference import run

__all__ = ["generation_content", "generation_get"]


def generation_get(creds: Credentials, generation_id: str) -> Any:
    return run(creds, lambda sdk: sdk.generations.get_generation(id=generation_id)).data


def generation_content(creds: Credentials, generation_id: str) -> Any:
    """The stored input/output (``{input, output, error}``); 404 when nothing was stored."""
    return run(creds, lambda sdk: sdk.generations.list_generation_content(id=generation_id)).data

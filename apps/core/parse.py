"""Parsing what people and URLs send, strictly: a bad value is None, never a 500."""

from __future__ import annotations


def plain_int(text: str | None, *, digits: int = 18) -> int | None:
    """``"42"`` → 42; None for anything else (signs, superscripts, other scripts' digits,
    or more digits than a database integer holds)."""
    text = (text or "").strip()
    if not text or len(text) > digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)

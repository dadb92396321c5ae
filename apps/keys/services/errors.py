"""Failures the key services report to views (besides ``UpstreamError``)."""

from __future__ import annotations


class KeyError_(Exception):
    """A refusal with a message fit for the page, optionally tied to a form field."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.message = message
        self.field = field
        super().__init__(message)


class DuplicateName(KeyError_):
    pass


class NotAllowed(KeyError_):
    pass


class AlreadyDecided(KeyError_):
    pass


class RevealRefused(KeyError_):
    pass

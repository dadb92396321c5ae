"""Refusals the key services raise (besides the gateway's ``UpstreamError``), in the one
error family of ``apps.core.errors``."""

from __future__ import annotations

from apps.core.errors import Conflict, Gone, Invalid, NotAllowed

__all__ = ["AlreadyDecided", "DuplicateName", "NotAllowed", "RevealRefused"]


class DuplicateName(Invalid):
    pass


class AlreadyDecided(Conflict):
    pass


class RevealRefused(Gone):
    pass

"""Refusals the key services raise (besides the gateway's ``UpstreamError``), in the one
error family of ``apps.core.errors``."""

from __future__ import annotations

from apps.core.errors import Conflict, ConsoleError, Gone, Invalid, NotAllowed

__all__ = ["AlreadyDecided", "CreateUnconfirmed", "DuplicateName", "NotAllowed", "RevealRefused"]


class DuplicateName(Invalid):
    pass


class AlreadyDecided(Conflict):
    pass


class RevealRefused(Gone):
    pass


class CreateUnconfirmed(ConsoleError):
    """OpenRouter never answered a key creation: the key may exist, its secret is lost."""

    http_status = 504
    default_message = (
        "OpenRouter did not answer, so the console cannot tell whether the key was created. "
        "A keys sync is queued: if the key exists it appears in the list marked “secret not "
        "received”, to delete or rotate. Check there before creating it again."
    )

"""The one error convention: every refusal a service or the gateway raises derives from
:class:`ConsoleError`, carries a message fit for the page and, when it concerns one form
field, that field's name. Views show ``user_message`` next to ``field`` (or at the top).
"""

from __future__ import annotations


class ConsoleError(Exception):
    """A refusal with a message a person can act on (never a secret, never a traceback)."""

    default_message = "That could not be done."
    # The HTTP status a view answers when the refusal is not shown inside a form.
    http_status = 400

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.message = message or self.default_message
        self.field = field
        super().__init__(self.message)

    @property
    def user_message(self) -> str:
        return self.message


class Invalid(ConsoleError):
    """The input breaks a rule the console checks before asking upstream."""

    http_status = 422


class NotAllowed(ConsoleError):
    """This person may not do this to this object."""

    default_message = "You are not allowed to do that."
    http_status = 403


class Conflict(ConsoleError):
    """The object is no longer in the state the action needs (already decided, taken, …)."""

    default_message = "This was changed in the meantime; reload and try again."
    http_status = 409


class Gone(ConsoleError):
    """A one-time thing that was already used or ran out."""

    http_status = 410

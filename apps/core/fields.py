"""Model fields that keep secrets encrypted in the database."""

from __future__ import annotations

from django.db import models

from apps.core import crypto


class Secret(str):
    """A decrypted secret whose repr and str never show the value by accident."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Secret('********')"

    def reveal(self) -> str:
        return str.__str__(self)

    def __str__(self) -> str:
        return "********"

    def __format__(self, spec: str) -> str:
        return "********"


def reveal(value: str) -> str:
    """The plaintext of a secret, whether or not it has been through the database yet."""
    return value.reveal() if isinstance(value, Secret) else str(value)


class EncryptedTextField(models.TextField):
    """Stores a Fernet token; Python code sees a :class:`Secret` (or ``""``)."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return Secret(crypto.decrypt(value))

    def to_python(self, value):
        if isinstance(value, Secret) or not value:
            return value
        return Secret(value)

    def get_prep_value(self, value):
        if not value:
            return value
        plaintext = value.reveal() if isinstance(value, Secret) else str(value)
        return crypto.encrypt(plaintext)

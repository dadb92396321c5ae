"""Sandbox models, split by area; every module is imported here so Django finds them."""

from apps.sandbox.models.core import *  # noqa: F403
from apps.sandbox.models.core import (
    Account,
    ActivityRecord,
    ApiKey,
    Member,
    Workspace,
    masked_label,
    secret_hash,
)

__all__ = [
    "Account",
    "ActivityRecord",
    "ApiKey",
    "Member",
    "Workspace",
    "masked_label",
    "secret_hash",
]

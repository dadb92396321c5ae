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
from apps.sandbox.models.management import (
    ByokKey,
    Generation,
    Guardrail,
    GuardrailKeyAssignment,
    GuardrailMemberAssignment,
    ObservabilityDestination,
    OrganizationSettings,
    Preset,
    PresetVersion,
    WorkspaceBudget,
    WorkspaceMembership,
)
from apps.sandbox.models.runtime import AuthCode, SandboxFile, VideoJob

__all__ = [
    "Account",
    "ActivityRecord",
    "ApiKey",
    "AuthCode",
    "ByokKey",
    "Generation",
    "Guardrail",
    "GuardrailKeyAssignment",
    "GuardrailMemberAssignment",
    "Member",
    "ObservabilityDestination",
    "OrganizationSettings",
    "Preset",
    "PresetVersion",
    "SandboxFile",
    "VideoJob",
    "Workspace",
    "WorkspaceBudget",
    "WorkspaceMembership",
    "masked_label",
    "secret_hash",
]

"""Who may do what: the one table of role permissions, checked by ``access.org_view``."""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    FINANCE = "finance", "Finance"
    MEMBER = "member", "Member"


class Perm(StrEnum):
    VIEW_DASHBOARD = "view_dashboard"
    VIEW_CONNECTION = "view_connection"
    MANAGE_CONNECTION = "manage_connection"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_ORGANISATION = "manage_organisation"
    MANAGE_SECURITY = "manage_security"
    VIEW_AUDIT = "view_audit"
    VIEW_KEYS = "view_keys"
    MANAGE_KEYS = "manage_keys"
    REQUEST_KEYS = "request_keys"
    APPROVE_KEY_REQUESTS = "approve_key_requests"
    VIEW_SPEND = "view_spend"
    # The video jobs, files and generations pages (what each person sees there differs).
    VIEW_MEDIA = "view_media"
    # Inference with a console-owned key: video jobs, files, generation look-ups, playgrounds.
    USE_INFERENCE = "use_inference"
    # The organisation's inference settings (daily limit, workspace), anyone's console key.
    MANAGE_INFERENCE = "manage_inference"
    # Every person's video jobs, files and generations (others see only their own).
    VIEW_ALL_MEDIA = "view_all_media"
    # What jobs and generations cost, across the organisation (read-only for finance).
    VIEW_MEDIA_COSTS = "view_media_costs"
    VIEW_CATALOG = "view_catalog"
    # BYOK: everyone sees the credentials that can carry their own traffic; finance and up see
    # every credential (and its BYOK spend); owners and admins change them.
    VIEW_BYOK = "view_byok"
    VIEW_ALL_BYOK = "view_all_byok"
    MANAGE_BYOK = "manage_byok"
    # Observability destinations: everyone reads them (never a secret); owners, admins change.
    VIEW_OBSERVABILITY = "view_observability"
    MANAGE_OBSERVABILITY = "manage_observability"
    # Presets: everyone reads them; owners and admins save versions; the playground runs
    # with USE_INFERENCE (the person's own key).
    VIEW_PRESETS = "view_presets"
    MANAGE_PRESETS = "manage_presets"
    # Workspaces: members read the ones they belong to; finance and up read every one; owners
    # and admins change them (settings, budgets, members).
    VIEW_WORKSPACES = "view_workspaces"
    VIEW_ALL_WORKSPACES = "view_all_workspaces"
    MANAGE_WORKSPACES = "manage_workspaces"
    # Guardrails and their assignments: finance and up read; owners and admins change them.
    VIEW_GUARDRAILS = "view_guardrails"
    MANAGE_GUARDRAILS = "manage_guardrails"
    # The upstream organisation's members (/organization/members) beside the console's users.
    VIEW_ORG_MEMBERS = "view_org_members"
    # "Connect with OpenRouter": link one's own console account to one's upstream user.
    CONNECT_UPSTREAM = "connect_upstream"


_EVERYONE = {
    Perm.VIEW_DASHBOARD,
    Perm.REQUEST_KEYS,
    Perm.VIEW_MEDIA,
    Perm.VIEW_CATALOG,
    Perm.VIEW_BYOK,
    Perm.VIEW_OBSERVABILITY,
    Perm.VIEW_PRESETS,
    Perm.VIEW_WORKSPACES,
    Perm.CONNECT_UPSTREAM,
}

# The single source of truth: add a permission here and guard a view with it.
#
# Queuing work that only reads upstream: "Sync now" on a stream, and "Test connection" (a
# run of the connection stream), is allowed to whoever may see that stream's data (the
# stream's ``view_perm``): so finance may queue the keys, spend and connection streams and
# members none. Nothing a person queues runs in their request, and each stream takes one
# request per REQUEST_COOLDOWN (30 s, apps/syncs/services.py) whoever asks, so no role can
# turn these buttons into upstream load; a finance person asking often is as harmless as
# an admin doing so, and stopping them would only hide fresh figures from them.
#
# The credit balance on the home page is spend data: only VIEW_SPEND sees it (members do not).
ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.OWNER: frozenset(Perm),
    # Sign-in rules for everyone (2FA required, SSO domains and their role) are the owners'.
    Role.ADMIN: frozenset(Perm) - {Perm.MANAGE_SECURITY},
    Role.FINANCE: frozenset(
        _EVERYONE
        | {
            Perm.VIEW_CONNECTION,
            Perm.VIEW_KEYS,
            Perm.VIEW_SPEND,
            Perm.VIEW_MEDIA_COSTS,
            Perm.VIEW_ALL_BYOK,
            Perm.VIEW_ALL_WORKSPACES,
            Perm.VIEW_GUARDRAILS,
            Perm.VIEW_ORG_MEMBERS,
        }
    ),
    Role.MEMBER: frozenset(_EVERYONE | {Perm.USE_INFERENCE}),
}

# Only an owner may hand out or take away ownership.
ROLES_GRANTABLE_BY: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(Role.values),
    Role.ADMIN: frozenset({Role.ADMIN, Role.FINANCE, Role.MEMBER}),
}


def role_allows(role: str, perm: Perm) -> bool:
    return perm in ROLE_PERMISSIONS.get(role, frozenset())


def roles_with(perm: Perm) -> list[str]:
    """Every role that holds ``perm`` (for "notify whoever may …" queries)."""
    return [role for role, perms in ROLE_PERMISSIONS.items() if perm in perms]

"""The console's navigation: sections of links, each shown to the roles allowed to open it.

One list for the whole console, so a new domain app adds its page here and every role sees
exactly the links it may follow (the browser sweep checks that each one opens).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from apps.accounts.roles import Perm, role_allows


@dataclass(frozen=True)
class Link:
    label: str
    url_name: str
    perm: Perm
    # Shown as current for any URL of these namespaces / names (default: the url_name).
    active: tuple[str, ...] = ()
    # Hidden from roles that hold this permission (e.g. "My spend" for those who see "Spend").
    unless: Perm | None = None
    # "approver": pending requests; "mine": keys waiting to be revealed (for non-approvers).
    badge: str = ""


SECTIONS: list[tuple[str, list[Link]]] = [
    ("", [Link("Overview", "dashboard:home", Perm.VIEW_DASHBOARD)]),
    (
        "Access",
        [
            Link(
                "API keys",
                "keys:list",
                Perm.VIEW_KEYS,
                ("keys:list", "keys:detail", "keys:create", "keys:rotate", "keys:hygiene"),
            ),
            Link(
                "Key requests",
                "keys:requests",
                Perm.APPROVE_KEY_REQUESTS,
                ("keys:requests", "keys:request_detail", "keys:policy"),
                badge="approver",
            ),
            Link(
                "My keys",
                "keys:mine",
                Perm.REQUEST_KEYS,
                ("keys:mine", "keys:request_new", "keys:increase"),
                badge="mine",
            ),
        ],
    ),
    (
        "Usage",
        [
            Link("Spend", "spend:dashboard", Perm.VIEW_SPEND, ("spend:dashboard",)),
            Link(
                "My spend",
                "spend:dashboard",
                Perm.VIEW_DASHBOARD,
                ("spend:dashboard",),
                unless=Perm.VIEW_SPEND,
            ),
            Link("Budgets", "spend:budgets", Perm.VIEW_DASHBOARD),
            Link("Credits", "spend:credits", Perm.VIEW_SPEND),
            Link("Alerts", "spend:alerts", Perm.VIEW_SPEND),
            Link("Statements", "spend:statement", Perm.VIEW_SPEND),
        ],
    ),
    (
        "Configuration",
        [
            Link(
                "Models",
                "catalog:list",
                Perm.VIEW_CATALOG,
                ("catalog:list", "catalog:model", "catalog:compare"),
            ),
            Link(
                "BYOK keys",
                "byok:list",
                Perm.VIEW_BYOK,
                (
                    "byok:list",
                    "byok:create",
                    "byok:detail",
                    "byok:rotate",
                    "byok:move",
                    "byok:delete",
                ),
            ),
            Link(
                "Workspaces",
                "workspaces:list",
                Perm.VIEW_WORKSPACES,
                ("workspaces:list", "workspaces:create", "workspaces:detail"),
            ),
            Link(
                "Guardrails",
                "guardrails:list",
                Perm.VIEW_GUARDRAILS,
                ("guardrails:list", "guardrails:create", "guardrails:detail"),
            ),
            Link("Guardrail assignments", "guardrails:assignments", Perm.VIEW_GUARDRAILS),
            Link(
                "Observability",
                "observability:list",
                Perm.VIEW_OBSERVABILITY,
                ("observability:list", "observability:create", "observability:detail"),
            ),
        ],
    ),
    (
        "Build",
        [
            Link(
                "Videos",
                "media:videos",
                Perm.VIEW_MEDIA,
                ("media:videos", "media:video_new", "media:video_detail"),
            ),
            Link("Files", "media:files", Perm.USE_INFERENCE, ("media:files", "media:file_detail")),
            Link(
                "Generations",
                "media:generations",
                Perm.VIEW_MEDIA,
                ("media:generations", "media:generation_detail"),
            ),
            Link(
                "Presets",
                "presets:list",
                Perm.VIEW_PRESETS,
                (
                    "presets:list",
                    "presets:create",
                    "presets:detail",
                    "presets:edit",
                    "presets:compare",
                ),
            ),
            Link(
                "Playground",
                "playground:chat",
                Perm.USE_INFERENCE,
                (
                    "playground:chat",
                    "playground:embeddings",
                    "playground:rerank",
                    "playground:images",
                    "playground:speech",
                    "playground:transcription",
                ),
            ),
            Link("Inference key", "inference:mine", Perm.USE_INFERENCE),
        ],
    ),
    (
        "Organisation",
        [
            Link("Members", "accounts:members", Perm.MANAGE_MEMBERS),
            Link(
                "OpenRouter members",
                "org_members:list",
                Perm.VIEW_ORG_MEMBERS,
                ("org_members:list", "org_members:detail"),
            ),
            Link("Inference settings", "inference:settings", Perm.MANAGE_INFERENCE),
            Link("Members' keys", "spend:identities", Perm.MANAGE_MEMBERS),
            Link("Connection", "dashboard:connection", Perm.VIEW_CONNECTION),
            Link("Sync health", "syncs:health", Perm.VIEW_CONNECTION),
            Link("Audit log", "audit:list", Perm.VIEW_AUDIT),
        ],
    ),
]


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool
    badge: bool


def nav_for(role: str | None, current_view: str) -> list[tuple[str, list[NavItem]]]:
    """The sections and links ``role`` may follow, marking the one for ``current_view``."""
    if role is None:
        return []
    approver = role_allows(role, Perm.APPROVE_KEY_REQUESTS)
    out = []
    for title, links in SECTIONS:
        items = [
            NavItem(
                label=link.label,
                url=reverse(link.url_name),
                current=current_view in (link.active or (link.url_name,)),
                badge=link.badge == ("approver" if approver else "mine"),
            )
            for link in links
            if role_allows(role, link.perm) and not (link.unless and role_allows(role, link.unless))
        ]
        if items:
            out.append((title, items))
    return out

"""Routes of the sandbox's management API (analytics, workspaces, BYOK, guardrails,
observability, presets, organization, generation); included by ``urls.py``."""

from __future__ import annotations

from django.urls import path

from apps.sandbox.views import (
    analytics,
    byok,
    generation,
    guardrails,
    observability,
    organization,
    presets,
    workspaces,
)

urlpatterns = [
    path("analytics/meta", analytics.meta, name="analytics-meta"),
    path("analytics/query", analytics.query, name="analytics-query"),
    # workspaces (the collection route lives in urls.py)
    path("workspaces/<str:ref>", workspaces.workspace_item, name="workspace"),
    path("workspaces/<str:ref>/members", workspaces.members_list, name="workspace-members"),
    path("workspaces/<str:ref>/members/add", workspaces.members_add, name="workspace-members-add"),
    path(
        "workspaces/<str:ref>/members/remove",
        workspaces.members_remove,
        name="workspace-members-remove",
    ),
    path("workspaces/<str:ref>/budgets", workspaces.budgets_list, name="workspace-budgets"),
    path(
        "workspaces/<str:ref>/budgets/<str:interval>",
        workspaces.budget_item,
        name="workspace-budget",
    ),
    # BYOK
    path("byok", byok.byok_collection, name="byok"),
    path("byok/<str:byok_id>", byok.byok_item, name="byok-item"),
    # guardrails
    path("guardrails", guardrails.guardrails_collection, name="guardrails"),
    path(
        "guardrails/assignments/keys",
        guardrails.all_key_assignments,
        name="guardrail-key-assignments-all",
    ),
    path(
        "guardrails/assignments/members",
        guardrails.all_member_assignments,
        name="guardrail-member-assignments-all",
    ),
    path("guardrails/<str:guardrail_id>", guardrails.guardrail_item, name="guardrail"),
    path(
        "guardrails/<str:guardrail_id>/assignments/keys",
        guardrails.key_assignments,
        name="guardrail-key-assignments",
    ),
    path(
        "guardrails/<str:guardrail_id>/assignments/keys/remove",
        guardrails.key_assignments_remove,
        name="guardrail-key-assignments-remove",
    ),
    path(
        "guardrails/<str:guardrail_id>/assignments/members",
        guardrails.member_assignments,
        name="guardrail-member-assignments",
    ),
    path(
        "guardrails/<str:guardrail_id>/assignments/members/remove",
        guardrails.member_assignments_remove,
        name="guardrail-member-assignments-remove",
    ),
    # observability
    path(
        "observability/destinations",
        observability.destinations_collection,
        name="destinations",
    ),
    path(
        "observability/destinations/<str:destination_id>",
        observability.destination_item,
        name="destination",
    ),
    # presets
    path("presets", presets.presets_list, name="presets"),
    path("presets/<str:slug>", presets.preset_detail, name="preset"),
    path("presets/<str:slug>/versions", presets.versions_list, name="preset-versions"),
    path(
        "presets/<str:slug>/versions/<str:version>",
        presets.version_detail,
        name="preset-version",
    ),
    path("presets/<str:slug>/chat/completions", presets.from_chat, name="preset-chat"),
    path("presets/<str:slug>/messages", presets.from_messages, name="preset-messages"),
    path("presets/<str:slug>/responses", presets.from_responses, name="preset-responses"),
    # organization
    path("organization/members", organization.members, name="organization-members"),
    path("organization/settings", organization.settings, name="organization-settings"),
    # generation
    path("generation", generation.generation, name="generation"),
    path("generation/content", generation.generation_content, name="generation-content"),
    path("generation/feedback", generation.feedback, name="generation-feedback"),
]

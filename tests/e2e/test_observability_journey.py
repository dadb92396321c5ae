"""An admin builds a webhook destination with two groups of filter rules in the builder:
rules added, typed, checked as typed, reordered and removed, then saved upstream as built."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.observability.models import Destination
from tests.e2e.test_catalog_journey import _shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_admin_builds_a_destination_with_two_rule_groups(page, live_server, demo, login):
    errors: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "422" not in m.text else None,
    )
    login("admin@demo.test")
    page.get_by_role("link", name="Observability").click()
    page.get_by_role("button", name="Add a destination").click()
    page.get_by_label("Name", exact=True).fill("Costly traffic hook")
    page.get_by_label("URL", exact=True).fill("https://hooks.example.com/openrouter")
    builder = page.get_by_test_id("rules-builder")
    expect(builder).to_contain_text("No rules")
    expect(page.locator("textarea[name=filter_rules]")).to_be_hidden()  # the builder stands in

    # Group 1: model starts with "openai/" and total cost > 0.01 (checked as typed).
    builder.get_by_role("button", name="Add a group of rules").click()
    builder.get_by_label("Group 1, rule 1: field").select_option("model")
    builder.get_by_label("Group 1, rule 1: operator").select_option("starts_with")
    builder.get_by_label("Group 1, rule 1: value").fill("openai/")
    builder.get_by_role("button", name="Add a rule to Group 1").click()
    builder.get_by_label("Group 1, rule 2: field").select_option("total_cost")
    builder.get_by_label("Group 1, rule 2: operator").select_option("gt")
    builder.get_by_label("Group 1, rule 2: value").fill("a lot")
    expect(builder).to_contain_text("gt compares with a number.")
    builder.get_by_label("Group 1, rule 2: value").fill("0.01")
    expect(builder).not_to_contain_text("gt compares with a number.")

    # Group 2 (or): provider equals anthropic, or a finish reason exists; then reordered.
    builder.get_by_role("button", name="Add a group of rules").click()
    builder.get_by_label("Group 2: how its rules combine").select_option("or")
    builder.get_by_label("Group 2, rule 1: field").select_option("provider")
    builder.get_by_label("Group 2, rule 1: operator").select_option("equals")
    builder.get_by_label("Group 2, rule 1: value").fill("anthropic")
    builder.get_by_role("button", name="Add a rule to Group 2").click()
    builder.get_by_label("Group 2, rule 2: field").select_option("finish_reason")
    builder.get_by_label("Group 2, rule 2: operator").select_option("exists")
    expect(builder.get_by_label("Group 2, rule 2: value")).to_be_hidden()  # needs none
    builder.get_by_role("button", name="Move Group 2, rule 2 up").click()
    expect(builder.get_by_label("Group 2, rule 1: field")).to_have_value("finish_reason")
    # A third rule, added then removed, leaves nothing behind.
    builder.get_by_role("button", name="Add a rule to Group 2").click()
    builder.get_by_role("button", name="Remove Group 2, rule 3").click()
    expect(page.get_by_test_id("rule-group").nth(1).get_by_test_id("rule")).to_have_count(2)
    _shot(page, "observability-rules-builder")

    page.get_by_role("button", name="Add Webhook destination").click()
    expect(page.get_by_role("heading", name="Observability")).to_be_visible()
    # Its page loads the saved rules back into the builder, in the order they were built.
    page.get_by_role("link", name="Costly traffic hook", exact=True).click()
    builder = page.get_by_test_id("rules-builder")
    expect(builder.get_by_test_id("rule-group")).to_have_count(2)
    expect(builder.get_by_label("Group 1, rule 2: value")).to_have_value("0.01")
    expect(builder.get_by_label("Group 2: how its rules combine")).to_have_value("or")
    expect(builder.get_by_label("Group 2, rule 1: field")).to_have_value("finish_reason")
    _shot(page, "observability-destination-rules")

    saved = Destination.objects.get(name="Costly traffic hook")
    assert saved.filter_rules["groups"] == [
        {
            "logic": "and",
            "rules": [
                {"field": "model", "operator": "starts_with", "value": "openai/"},
                {"field": "total_cost", "operator": "gt", "value": 0.01},
            ],
        },
        {
            "logic": "or",
            "rules": [
                {"field": "finish_reason", "operator": "exists"},
                {"field": "provider", "operator": "equals", "value": "anthropic"},
            ],
        },
    ]
    assert errors == []

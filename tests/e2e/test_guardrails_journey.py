"""An admin creates a guardrail, assigns it to two keys with the bulk picker, sees it in both
keys' effective policy, asks "can this key call …" and gets the blocking rule; then edits a
workspace budget and sees spend against it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.guardrails.models import Guardrail, GuardrailKeyAssignment
from apps.keys.models import Key
from tests.e2e.test_catalog_journey import _shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
NAME = "No Anthropic (e2e)"


def test_admin_guards_two_keys_and_asks_what_they_may_call(page, live_server, demo, login):
    errors: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "422" not in m.text else None,
    )
    login("admin@demo.test")
    page.get_by_role("link", name="Guardrails", exact=True).click()
    page.get_by_role("button", name="New guardrail").first.click()
    page.get_by_label("Name", exact=True).fill(NAME)
    page.locator("input[name=ignored_providers][value=anthropic]").check()
    page.get_by_role("button", name="Create guardrail").click()
    expect(page.get_by_role("heading", name=NAME)).to_be_visible()

    # Two keys of its workspace, picked in the bulk picker.
    boxes = page.locator("#candidates-keys input[name=ids]")
    expect(boxes.first).to_be_visible()
    hashes = [boxes.nth(0).get_attribute("value"), boxes.nth(1).get_attribute("value")]
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name="Assign selected keys").click()
    expect(page.get_by_text(re.compile(r"^2 keys assigned: "))).to_be_visible()
    guardrail = Guardrail.objects.get(name=NAME)
    assert set(
        GuardrailKeyAssignment.objects.filter(guardrail_id=guardrail.guardrail_id).values_list(
            "key_hash", flat=True
        )
    ) == set(hashes)

    for key_hash in hashes:
        page.goto(f"{live_server.url}/guardrails/policy/key/{key_hash}/")
        expect(page.get_by_test_id("effective-policy")).to_contain_text(NAME)
    _shot(page, "guardrails-key-policy")

    # The last key's check: an Anthropic model through Anthropic is blocked by this guardrail.
    page.get_by_label("Model", exact=True).fill("anthropic/claude-haiku-4.5")
    page.get_by_label("Provider (optional)").fill("anthropic")
    answer = page.get_by_test_id("answer")
    expect(answer).to_contain_text("Blocked by the")
    expect(answer.get_by_role("link", name=f"Change {NAME}")).to_be_visible()
    page.get_by_label("Model", exact=True).fill("openai/gpt-4o-mini")
    page.get_by_label("Provider (optional)").fill("openai")
    expect(answer).to_contain_text("Allowed: openai/gpt-4o-mini through openai.")
    _shot(page, "guardrails-can-call")

    # A budget on the keys' workspace shows the spend against it.
    workspace = Key.objects.get(hash=hashes[0]).workspace_id
    page.goto(f"{live_server.url}/workspaces/{workspace}/")
    page.get_by_label("Monthly limit (USD)").fill("250")
    page.get_by_role("button", name="Save budgets").click()
    budgets = page.get_by_test_id("workspace-budgets")
    row = budgets.locator("tr", has_text="monthly")
    expect(row).to_contain_text("$250.00")
    expect(row.locator("td[data-label=Spent]")).to_contain_text(re.compile(r"\$[\d,]+\.\d\d \("))
    _shot(page, "workspace-budget-spend")
    assert errors == []

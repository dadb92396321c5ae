"""Searching the model catalog, opening a model, comparing two models and estimating cost."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", ".data/screenshots"))


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        scroll = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert scroll <= 0, f"{name} scrolls sideways by {scroll}px at {width}px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_member_searches_the_catalog_and_compares_two_models(page, live_server, demo, login):
    errors: list[str] = []
    # A refused form answers 422 (shown in place), which Chromium logs as a failed load.
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "422" not in m.text else None,
    )
    login("member@demo.test")
    page.get_by_role("link", name="Models").click()
    expect(page.get_by_role("heading", name="Models", exact=True)).to_be_visible()
    _shot(page, "catalog-list")

    page.get_by_label("Search").first.fill("claude")
    expect(page).to_have_url(re.compile(r"q=claude"))
    rows = page.locator("#catalog-rows tr[id^=model-]")
    expect(rows.first).to_contain_text("Claude")
    expect(page.locator("#catalog-rows")).not_to_contain_text("GPT-4.1")
    page.get_by_label("Compare Anthropic: Claude Sonnet 4.5").check()
    page.get_by_label("Compare Anthropic: Claude Haiku 4.5").check()
    page.get_by_role("button", name="Compare selected").click()

    expect(page.get_by_role("heading", name="Compare models")).to_be_visible()
    table = page.get_by_role("region", name="Comparison of the picked models")
    expect(table).to_contain_text("Claude Sonnet 4.5")
    expect(table).to_contain_text("Claude Haiku 4.5")
    expect(page.get_by_test_id("estimate")).to_contain_text("1,000 requests of 2,000 in / 500 out")
    # Add a third through the picker's search as you type.
    page.get_by_label("Search models").fill("gpt-4.1 mini")
    expect(page.locator(".picker-options")).not_to_contain_text("Cohere")  # the answer is in
    option = page.get_by_role("checkbox", name=re.compile("GPT-4.1 Mini"))
    expect(option).to_be_visible()
    option.check()
    page.get_by_label("Requests").fill("10")
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(table).to_contain_text("GPT-4.1 Mini")
    expect(page.get_by_test_id("estimate")).to_contain_text("10 requests")
    _shot(page, "catalog-compare")

    page.get_by_role("link", name="Anthropic: Claude Sonnet 4.5").first.click()
    expect(page.get_by_role("heading", name="Anthropic: Claude Sonnet 4.5")).to_be_visible()
    expect(page.get_by_role("region", name=re.compile("Endpoints of"))).to_contain_text(
        "Amazon Bedrock"
    )
    page.get_by_label("Requests").fill("0")
    expect(page.get_by_text("Estimate at least one request.")).to_be_visible()
    _shot(page, "catalog-model")
    assert errors == []


def test_a_box_ticked_while_a_picker_search_is_on_its_way_stays_ticked(
    page, live_server, demo, login
):
    login("member@demo.test")
    page.route("**/catalog/pick/**", lambda route: (page.wait_for_timeout(600), route.continue_()))
    page.goto(f"{live_server.url}/catalog/compare/")
    with page.expect_request("**/catalog/pick/**") as asked:
        page.get_by_label("Search models").fill("claude")
    assert "m=" not in asked.value.url  # nothing was ticked when the search left
    # Ticked from the full list while the (slowed) answer is on its way.
    page.get_by_role("checkbox", name=re.compile("OpenAI: GPT-4.1 Mini")).check()
    expect(page.locator(".picker-options")).not_to_contain_text("Cohere")
    expect(page.get_by_role("checkbox", name=re.compile("OpenAI: GPT-4.1 Mini"))).to_be_checked()
    expect(page.get_by_role("checkbox", name=re.compile("Claude Sonnet 4.5"))).not_to_be_checked()

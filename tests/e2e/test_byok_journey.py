"""An admin adds a BYOK provider key; the secret never comes back into the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_catalog_journey import _shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SECRET = "sk-e2e-BROWSERSECRETabcdefghijklmnop42"


def test_admin_adds_a_byok_key_and_the_secret_never_comes_back(page, live_server, demo, login):
    errors: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "422" not in m.text else None,
    )
    login("admin@demo.test")
    page.get_by_role("link", name="BYOK keys").click()
    expect(page.get_by_role("heading", name="BYOK provider keys")).to_be_visible()
    expect(page.get_by_text("Prod OpenAI (primary)")).to_be_visible()
    _shot(page, "byok-list")

    page.get_by_role("button", name="Add a provider key").click()
    # The provider picker searches by display name.
    page.get_by_label("Search providers").fill("Cereb")
    provider = page.get_by_label("Provider", exact=True)
    expect(provider.locator("option", has_text="Cerebras")).to_have_count(1)
    provider.select_option("cerebras")
    page.get_by_label("Provider API key").fill(f"  {SECRET}  ")
    page.get_by_label(re.compile(r"^Name")).fill("Cerebras prod")
    # A refused form keeps everything typed except the secret.
    page.get_by_label(re.compile(r"^\s*Fallback")).check()
    page.get_by_label(re.compile(r"^\s*BYOK only")).check()
    page.get_by_role("button", name="Add key").click()
    expect(page.get_by_text("A fallback key cannot also be BYOK only")).to_be_visible()
    expect(page.get_by_test_id("paste-again")).to_be_visible()
    expect(page.get_by_label(re.compile(r"^Name"))).to_have_value("Cerebras prod")
    expect(page.get_by_label("Provider API key")).to_have_value("")
    assert SECRET not in page.content()
    _shot(page, "byok-create-refused")

    page.get_by_label(re.compile(r"^\s*BYOK only")).uncheck()
    page.get_by_label("Provider API key").fill(f"  {SECRET}  ")
    page.get_by_role("button", name="Add key").click()
    expect(page.get_by_role("heading", name="BYOK provider keys")).to_be_visible()
    expect(page.get_by_text("they were removed")).to_be_visible()
    row = page.locator("li.byok-row", has_text="Cerebras prod")
    expect(row).to_contain_text(f"sk-...{SECRET[-4:]}")
    expect(row).to_contain_text("fallback")
    assert SECRET not in page.content() and SECRET[8:-4] not in page.content()

    # Replace the key from its dialog; the new secret is not shown either.
    row.get_by_role("link", name=re.compile("Replace the key")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Provider API key").fill(SECRET + "X")
    dialog.get_by_role("button", name="Replace key").click()
    expect(page.get_by_text(re.compile("Key replaced; it now shows as"))).to_be_visible()
    assert SECRET not in page.content()
    assert errors == []

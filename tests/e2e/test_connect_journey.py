"""The demo member links their console account through "Connect with OpenRouter" (the
sandbox's /auth page) and their spend page fills with their upstream user's spend."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.core.demo import DEMO_MEMBER_UPSTREAM
from apps.members.models import UpstreamIdentity
from apps.sandbox.models import ApiKey, Member, secret_hash
from apps.sandbox.seed import DEMO_ACCOUNT_ID

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / ".data" / "screenshots" / "connect"


def _shot(page: Page, name: str) -> None:
    """Desktop and phone screenshots; neither width may scroll sideways."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        scroll = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert scroll <= 0, f"{name} scrolls sideways by {scroll}px at {width}px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_member_connects_with_openrouter_and_sees_their_spend(page: Page, live_server, demo, login):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(r.url) if r.status == 404 else None)
    member = User.objects.get(email="member@demo.test")
    UpstreamIdentity.objects.filter(user=member).delete()  # undo the demo's hand-made link
    upstream = Member.objects.get(account_id=DEMO_ACCOUNT_ID, first_name=DEMO_MEMBER_UPSTREAM)

    login("member@demo.test")
    page.get_by_role("link", name="My spend").click()
    expect(page.locator("#results")).to_be_visible()
    before = _spent(page)

    page.get_by_label("Account menu").click()
    page.get_by_role("link", name="Your profile").click()
    expect(page.get_by_test_id("identity")).to_contain_text("Not linked yet")
    _shot(page, "profile")
    page.get_by_label("Only link my account").check()
    page.get_by_role("button", name="Connect with OpenRouter").click()

    # The sandbox's authorisation page, as upstream's: say who you are, approve.
    expect(page.get_by_role("heading", name="Authorize application")).to_be_visible()
    _shot(page, "sandbox-auth")
    page.get_by_label(re.compile(f"{re.escape(upstream.email)}.*{upstream.account.name}")).check()
    page.get_by_role("button", name="Authorize").click()

    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    expect(page.get_by_text(f"Linked to OpenRouter user {upstream.user_id}")).to_be_visible()
    expect(page.get_by_test_id("identity")).to_contain_text(upstream.user_id)
    expect(page.get_by_test_id("identity")).to_contain_text("Connected with OpenRouter")
    _shot(page, "profile-linked")
    # Link only: the key the exchange made was revoked at once.
    assert not ApiKey.objects.filter(
        creator_user_id=upstream.user_id, name="OAuth key", deleted_at__isnull=True
    ).exists()

    page.get_by_role("link", name="My spend").click()
    expect(page.get_by_test_id("total")).to_be_visible()
    assert _spent(page) > before  # their upstream user's spend now counts as theirs
    assert errors == []


def _spent(page: Page) -> Decimal:
    """The spend page's total (none shown: nothing spent)."""
    total = page.get_by_test_id("total")
    if not total.count():
        return Decimal(0)
    return Decimal(total.inner_text().lstrip("$").replace(",", ""))


def test_admin_issues_a_key_code_and_the_member_claims_it_once(
    page: Page, live_server, demo, login
):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login("admin@demo.test")
    page.get_by_label("Account menu").click()
    page.get_by_role("link", name="Your profile").click()
    page.get_by_role("link", name="Issue a key code for a member").click()
    _shot(page, "code-issue")
    page.get_by_label("Member who may claim it").select_option(label="member@demo.test")
    page.get_by_label("Key name").fill("notebook")
    page.get_by_role("spinbutton", name=re.compile("^Limit")).fill("5")
    page.get_by_label("Limit resets").select_option("daily")
    page.get_by_role("button", name="Issue the code").click()
    expect(page.get_by_text("Code issued: member@demo.test can claim the key")).to_be_visible()

    page.get_by_label("Account menu").click()
    page.get_by_role("button", name="Sign out").click()
    login("member@demo.test")
    page.get_by_label("Account menu").click()
    page.get_by_role("link", name="Your profile").click()
    expect(page.get_by_test_id("codes-waiting")).to_contain_text("notebook")
    page.get_by_role("button", name="Claim and show the key once").click()
    secret = page.get_by_test_id("secret")
    expect(secret).to_have_value(re.compile(r"^sk-or-v1-"))
    _shot(page, "code-claimed")
    key = ApiKey.objects.get(hash=secret_hash(secret.input_value()))
    assert (key.name, key.limit, key.limit_reset) == ("notebook", 5.0, "daily")
    page.go_back()
    page.reload()
    expect(page.get_by_test_id("codes-waiting")).to_have_count(0)
    assert errors == []

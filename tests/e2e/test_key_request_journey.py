"""A member asks for a key, an admin approves, the member reveals it exactly once,
and the admin finds both the approval and the reveal in the audit log."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(
        page.get_by_role("button", name="Account menu").or_(page.get_by_text(email))
    ).to_be_visible()


def test_member_request_admin_approval_one_time_reveal(
    page: Page, browser, live_server, member, admin
):
    base = live_server.url
    # The member asks for a key.
    _sign_in(page, base, member.email)
    page.goto(f"{base}/keys/mine/request/")
    page.get_by_label("Name").fill("member-analysis")
    page.get_by_label("Purpose").fill("Exploring support tickets in a notebook")
    page.get_by_label("Limit (USD)").fill("15")
    page.get_by_label("Limit resets").select_option("monthly")
    page.get_by_role("button", name="Send request").click()
    expect(page).to_have_url(re.compile(r"/keys/mine/$"))
    expect(page.get_by_test_id("request-status").first).to_have_text("Pending")

    # The admin sees it in the queue (with the count in the navigation) and approves it.
    admin_context = browser.new_context()
    admin_page = admin_context.new_page()
    _sign_in(admin_page, base, admin.email)
    admin_page.goto(f"{base}/keys/requests/")
    expect(admin_page.locator("#keys-badge .badge")).to_have_text("1")
    admin_page.get_by_role("link", name="Review").click()
    admin_page.get_by_role("button", name="Approve").click()
    expect(admin_page.get_by_test_id("request-status")).to_have_text("Approved")
    expect(admin_page.locator("#keys-badge .badge")).to_have_count(0)

    # The member reveals it once; a second tab opened earlier is refused.
    page.goto(f"{base}/keys/mine/")
    second_tab = page.context.new_page()
    second_tab.goto(f"{base}/keys/mine/")
    page.get_by_role("button", name=re.compile("Reveal key")).click()
    secret = page.get_by_test_id("secret")
    expect(secret).to_have_value(re.compile(r"^sk-or-v1-[0-9a-f]{64}$"))
    second_tab.get_by_role("button", name=re.compile("Reveal key")).click()
    expect(second_tab.get_by_test_id("reveal-refused")).to_contain_text("already revealed")
    expect(second_tab.get_by_test_id("secret")).to_have_count(0)
    page.reload()
    expect(page.get_by_role("button", name=re.compile("Reveal key"))).to_have_count(0)
    expect(page.get_by_text(re.compile("Revealed"))).to_be_visible()

    # The admin finds both events in the audit log.
    admin_page.goto(f"{base}/audit/")
    log = admin_page.locator("#audit-rows")
    expect(log.get_by_role("cell", name="key_request.approve")).to_be_visible()
    expect(log.get_by_role("cell", name="key_request.reveal")).to_be_visible()
    admin_context.close()

"""The demo admin signs in and sees the organisation's credits from the sandbox."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.sandbox.models import Account
from apps.sandbox.seed import DEMO_ACCOUNT_ID
from apps.sandbox.usage import total_usage

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_demo_admin_sees_dashboard_credits(page, live_server, demo, login):
    login("admin@demo.test")
    expect(page.get_by_role("heading", name="Demo Organisation")).to_be_visible()
    balance = page.get_by_test_id("credits-balance")
    expect(balance).to_be_visible(timeout=15_000)
    account = Account.objects.get(id=DEMO_ACCOUNT_ID)
    expected = float(account.total_credits) - total_usage(account)
    assert balance.inner_text() == f"${expected:,.2f}"
    expect(page.get_by_test_id("key-count")).to_have_text(re.compile(r"^\d+$"))


def test_wrong_password_shows_a_message_and_keeps_the_email(page, live_server, demo, login):
    login("admin@demo.test", password="nope")
    expect(page.get_by_text("correct email address and password")).to_be_visible()
    expect(page.get_by_label("Email address")).to_have_value("admin@demo.test")


def test_admin_switches_organisation_and_theme(page, live_server, demo, login):
    login("admin@demo.test")
    page.get_by_label("Switch organisation").click()
    page.get_by_role("button", name=re.compile("Sandbox Labs")).click()
    expect(page.get_by_role("heading", name="Sandbox Labs")).to_be_visible()
    html = page.locator("html")
    page.get_by_role("button", name=re.compile("Switch colour theme")).click()
    expect(html).to_have_attribute("data-theme", "light")
    page.reload()
    expect(html).to_have_attribute("data-theme", "light")

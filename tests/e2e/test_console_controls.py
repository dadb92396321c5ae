"""The controls a new user hit first, each driven the way a person uses it (issue: defects
1, 2, 3, 4 and 11, each with a journey that failed before the fix)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from apps.accounts.models import Organisation
from apps.audit.context import Actor
from apps.keys.models import Key
from apps.keys.services.keys import key_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _no_sideways_scroll(page: Page, path: str = "") -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert width <= 1, f"{path} is {width}px wider than the viewport"


def test_every_keys_filter_changes_the_url_and_the_rows(page: Page, live_server, demo, login):
    login("admin@demo.test")
    page.goto(f"{live_server.url}/keys/")
    rows = page.locator("#key-rows tr")
    first_before = rows.first.inner_text()
    page.get_by_label("Sort").select_option("created")
    expect(page).to_have_url(re.compile(r"sort=created"))
    expect(rows.first).not_to_have_text(first_before)
    page.get_by_label("Order").select_option("desc")
    expect(page).to_have_url(re.compile(r"dir=desc"))
    page.get_by_label("State").select_option("disabled")
    expect(page).to_have_url(re.compile(r"state=disabled"))
    for row in rows.all():
        expect(row).to_contain_text(re.compile("disabled|No keys match"))
    expect(page.get_by_test_id("filters-active")).to_be_visible()


def test_delete_from_the_list_opens_cancels_without_reload_and_deletes(
    page: Page, live_server, demo, login
):
    login("admin@demo.test")
    page.goto(f"{live_server.url}/keys/")
    page.evaluate("window.__stayed = true")
    row = page.locator("#key-rows tr").first
    name = row.locator("a.key-name").get_attribute("title")
    row.get_by_role("link", name="Delete").click()
    dialog = page.locator("#modal dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    assert page.evaluate("window.__stayed") is True  # closed without a reload
    row.get_by_role("link", name="Delete").click()
    dialog.get_by_label("Type the key's name to confirm").fill("not it")
    dialog.get_by_role("button", name="Delete key").click()
    expect(dialog.locator(".field-error")).to_contain_text("not the key's name")
    dialog.get_by_label("Type the key's name to confirm").fill(name)
    dialog.get_by_role("button", name="Delete key").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#toasts")).to_contain_text(f"{name} deleted.")
    expect(page.locator("#key-rows a.key-name[title='" + name + "']")).to_have_count(0)
    assert not Key.objects.filter(organisation__slug="demo", name=name).exists()


def test_refused_spend_filters_are_shown_in_place_and_the_page_stays(
    page: Page, live_server, demo, login
):
    login("finance@demo.test")
    page.goto(f"{live_server.url}/spend/")
    start = page.get_by_label("From (UTC day)")
    end = page.get_by_label("To (UTC day)")
    start.fill("2026-03-10")
    end.fill("2026-03-01")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_test_id("filter-errors")).to_contain_text("after the end date")
    expect(page.locator("nav[aria-label='Main']")).to_be_visible()  # the page is intact
    expect(page.get_by_role("heading", name="Spend", exact=True)).to_be_visible()
    expect(start).to_have_value("2026-03-10")  # what was typed stays
    expect(page.locator("canvas[data-chart]").first).to_be_visible()


def test_an_admin_demoting_themself_is_asked_first(page: Page, live_server, demo, login):
    login("admin@demo.test")
    page.goto(f"{live_server.url}/accounts/members/")
    page.get_by_label("Role of admin@demo.test").select_option("member")
    row = page.locator("tr", has_text="admin@demo.test")
    row.get_by_role("button", name="Save").click()
    dialog = page.locator("#modal dialog")
    expect(dialog).to_contain_text("You will no longer be able to manage members")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    page.reload()
    expect(page.get_by_label("Role of admin@demo.test")).to_have_value("admin")
    page.get_by_label("Role of admin@demo.test").select_option("member")
    row.get_by_role("button", name="Save").click()
    dialog.get_by_role("button", name=re.compile("Yes, make me Member")).click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(
        page.locator("nav[aria-label='Main']").get_by_role("link", name="Members")
    ).to_have_count(0)
    expect(page.locator(".messages")).to_contain_text("admin@demo.test is now Member")


@pytest.mark.parametrize("width", [1280, 390])
def test_long_names_and_phones_keep_every_table_inside_the_viewport(
    page: Page, live_server, demo, login, width
):
    organisation = Organisation.objects.get(slug="demo")
    key_create(Actor.system(organisation, "test"), name="x" * 200)
    page.set_viewport_size({"width": width, "height": 900})
    login("admin@demo.test")
    for path in ("/keys/", "/spend/", "/audit/", "/accounts/members/", "/keys/hygiene/"):
        page.goto(f"{live_server.url}{path}")
        _no_sideways_scroll(page, path)
    header = page.locator("header.topbar").bounding_box()
    assert header["height"] < 80, "the header wraps onto two rows"
    if width == 390:
        page.get_by_role("button", name="Menu").click()
        expect(page.locator("#sidebar").get_by_role("link", name="API keys")).to_be_visible()

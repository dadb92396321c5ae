"""Pages used in a real browser under the strict Content-Security-Policy raise no violation.

Every ``securitypolicyviolation`` event (recorded by a script Playwright adds before each
page's own) and every console error or page error counts as a failure. The pages are used,
not just opened: dialogs load, filters swap, the charts draw, the QR code of two-factor
enrolment shows.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from apps.keys.models import Key

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

_LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`
  );
});
"""


class Watch:
    """Violations and errors seen on the pages of one browser page."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        self.pages = 0
        page.add_init_script(_LISTEN)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))

    def _console(self, message) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            self.problems.append(f"console {message.type}: {message.text} ({self.page.url})")

    def collect(self) -> None:
        found = self.page.evaluate("window.__cspViolations || []")
        self.problems.extend(f"{v} on {self.page.url}" for v in found)
        self.pages += 1

    def visit(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status < 400, f"{url}: {response.status}"
        policy = response.headers.get("content-security-policy") or ""
        assert "default-src 'self'" in policy and "unsafe-inline" not in policy
        self.page.wait_for_load_state("networkidle")
        self.collect()


def test_admin_pages_raise_no_csp_violation(page: Page, live_server, demo, login):
    watch = Watch(page)
    login("admin@demo.test")
    expect(page.get_by_role("heading", name="Demo Organisation")).to_be_visible()
    watch.collect()
    base = live_server.url
    for name in (
        "dashboard:connection",
        "keys:list",
        "keys:create",
        "keys:hygiene",
        "keys:requests",
        "keys:policy",
        "accounts:members",
        "accounts:connect",
        "audit:list",
        "syncs:health",
        "spend:credits",
        "spend:budgets",
        "spend:alerts",
        "spend:statement",
        "spend:identities",
        "mfa_index",
    ):
        watch.visit(base + reverse(name))

    # The spend dashboard draws its charts (Chart.js sets canvas styles through the CSSOM).
    watch.visit(base + reverse("spend:dashboard"))
    expect(page.locator("canvas").first).to_be_visible()

    # A key page and its delete dialog (loaded by htmx into #modal).
    key = Key.objects.filter(organisation__name="Demo Organisation").order_by("name").first()
    watch.visit(base + reverse("keys:detail", args=[key.hash]))
    page.get_by_role("button", name="Delete").first.click()
    expect(page.locator("#modal dialog, #modal [role=dialog]").first).to_be_visible()
    page.keyboard.press("Escape")
    watch.collect()

    # Live search on the keys list swaps the results in place.
    watch.visit(base + reverse("keys:list"))
    page.get_by_role("searchbox").first.fill(key.name[:4])
    page.wait_for_load_state("networkidle")
    watch.collect()

    # Two-factor enrolment shows its QR code (a data: image).
    watch.visit(base + reverse("mfa_activate_totp"))
    page.get_by_label("Password").fill("demo")  # allauth asks for the password again first
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_label("Authenticator secret")).to_be_visible()
    expect(page.locator("img[src^='data:']").first).to_be_visible()
    watch.collect()
    assert watch.pages >= 20
    assert watch.problems == []


def test_member_and_sign_in_pages_raise_no_csp_violation(page: Page, live_server, demo, login):
    watch = Watch(page)
    watch.visit(live_server.url + reverse("accounts:login"))
    watch.visit(live_server.url + reverse("accounts:password_reset"))
    login("member@demo.test")
    expect(page.get_by_role("heading", name=re.compile("Demo Organisation"))).to_be_visible()
    watch.collect()
    for name in ("keys:mine", "keys:request_new", "accounts:password_change"):
        watch.visit(live_server.url + reverse(name))
    # The theme toggle (static/console/app.js) still works under the policy.
    page.get_by_role("button", name=re.compile("Switch colour theme")).click()
    expect(page.locator("html")).to_have_attribute("data-theme", re.compile("light|dark"))
    watch.collect()
    assert watch.problems == []

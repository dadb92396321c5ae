"""Browser journeys: pytest-playwright's ``page`` drives Debian's Chromium against ``live_server``."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.oidc.fixtures import oidc_provider, sso  # noqa: F401  (the SSO tests' provider)

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# around it are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does).")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def demo(live_server, settings):
    """The demo organisation and logins, connected to the sandbox inside the live server."""
    from apps.core.demo import load_demo

    return load_demo(base_url=f"{live_server.url}/sandbox/api/v1", keys=12, days=35, reset=True)


@pytest.fixture
def login(page, live_server):
    def sign_in(email: str, password: str = "demo") -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()

    return sign_in

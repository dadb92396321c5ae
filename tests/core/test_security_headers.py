"""Every page carries a strict Content-Security-Policy and a Permissions-Policy; no template
holds an inline script, an inline handler or a style attribute that the policy would block."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def _directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/", "/keys/", "/spend/", "/keys/new/", "/accounts/connect/"]
)
def test_pages_carry_a_strict_csp_and_a_permissions_policy(client, client_for, owner, url):
    response = (client if url == "/accounts/login/" else client_for(owner)).get(url)
    assert response.status_code == 200
    csp = _directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"][0] == "'self'" and all(
        s == "'self'" or s.startswith("'nonce-") for s in csp["script-src"]
    )
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"] and csp["form-action"][0] == "'self'"
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in policy


def test_htmx_runs_without_eval_and_without_injected_styles(client_for, owner):
    page = client_for(owner).get(reverse("dashboard:home")).content.decode()
    config = re.search(r'name="htmx-config" content=\'([^\']+)\'', page).group(1)
    assert '"allowEval":false' in config and '"includeIndicatorStyles":false' in config


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
_STYLE_ATTR = re.compile(r"\sstyle\s*=", re.IGNORECASE)
_STYLE_TAG = re.compile(r"<style\b", re.IGNORECASE)
_JS_URL = re.compile(r"(href|action|src)\s*=\s*[\"']\s*javascript:", re.IGNORECASE)


def test_no_template_needs_unsafe_inline():
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = re.sub(r"<!--.*?-->", "", path.read_text(), flags=re.DOTALL)
        for name, pattern in (
            ("inline script", _INLINE_SCRIPT),
            ("inline handler", _HANDLER),
            ("style attribute", _STYLE_ATTR),
            ("style element", _STYLE_TAG),
            ("javascript: URL", _JS_URL),
        ):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {name}")
    assert offenders == []


def test_the_sso_provider_is_allowed_to_receive_the_sign_in_form(client, settings):
    # The SSO button's POST is redirected to the provider; form-action governs that too.
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "sso",
                    "name": "Company SSO",
                    "client_id": "console",
                    "secret": "x",
                    "settings": {"server_url": "https://login.example.com/realms/acme"},
                }
            ]
        }
    }
    csp = _directives(client.get("/accounts/login/")["Content-Security-Policy"])
    assert csp["form-action"] == ["'self'", "https://login.example.com"]

"""Every (method, path) of ``openrouter-api.lap`` has a sandbox route that accepts the method."""

from __future__ import annotations

import re

import pytest
from django.urls import Resolver404, resolve

from tests.sandbox.or_harness import LAP_FILE, lap_endpoints

SAMPLES = {
    "id": "5f0c7c3e-2d7a-4a39-9d0b-0c1d2e3f4a5b",
    "hash": "a" * 64,
    "file_id": "or_file_0123456789abcdef",
    "jobId": "gen-vid-1747742400-a1B2c3D4e5F6g7H8i9J0",
    "author": "openai",
    "slug": "gpt-4.1",
    "version": "2",
    "interval": "monthly",
}


def _fill(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLES[m[1]], path)


def test_the_lap_file_is_found_and_declares_88_endpoints():
    assert LAP_FILE.is_file(), LAP_FILE
    assert "@endpoints 88" in LAP_FILE.read_text()
    assert len(lap_endpoints()) == 88


@pytest.mark.parametrize("endpoint", lap_endpoints(), ids=lambda e: e.key)
def test_lap_endpoint_has_a_sandbox_route_accepting_its_method(endpoint):
    try:
        match = resolve(_fill(endpoint.path), urlconf="apps.sandbox.urls")
    except Resolver404:
        pytest.fail(f"no sandbox route for {endpoint.key}")
    assert match.url_name != "unknown-route", f"no sandbox route for {endpoint.key}"
    methods = getattr(match.func, "sandbox_methods", ())
    assert endpoint.method in methods, f"{endpoint.key} resolves to {match.view_name} {methods}"


def test_the_standalone_urlconf_serves_the_same_routes():
    for endpoint in lap_endpoints():
        match = resolve(f"/api/v1{_fill(endpoint.path)}", urlconf="apps.sandbox.standalone_urls")
        assert match.url_name != "unknown-route", endpoint.key
        assert endpoint.method in match.func.sandbox_methods, endpoint.key

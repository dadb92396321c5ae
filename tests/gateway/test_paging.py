"""The one pager (respx mocks the wire): offset/limit lists end at total_count or a short page."""

from __future__ import annotations

import httpx
import pytest
import respx

from apps.gateway.guardrails import guardrails_list
from apps.gateway.keys import keys_iter
from apps.gateway.workspaces import workspaces_list

BASE = "https://upstream.test/api/v1"


@pytest.fixture(autouse=True)
def _http_transport(settings):
    settings.OPENROUTER_TRANSPORT = "http"


@pytest.fixture
def org():
    class Org:
        base_url = BASE
        management_key = "sk-or-v1-" + "f" * 64

    return Org()


def _workspace(n: int) -> dict:
    return {
        "id": f"00000000-0000-0000-0000-{n:012d}",
        "name": f"ws {n}",
        "slug": f"ws-{n}",
        "description": None,
        "created_at": "2026-01-01T00:00:00Z",
        "created_by": None,
        "updated_at": None,
        "default_guardrail_id": f"g-{n}",
        "default_image_model": None,
        "default_provider_sort": None,
        "default_text_model": None,
        "io_logging_api_key_ids": None,
        "io_logging_sampling_rate": 1,
        "is_data_discount_logging_enabled": False,
        "is_observability_broadcast_enabled": False,
        "is_observability_io_logging_enabled": False,
    }


@respx.mock
def test_stops_at_total_count_without_asking_for_an_empty_page(org):
    pages = [[_workspace(0), _workspace(1)], [_workspace(2), _workspace(3)]]
    offsets = []

    def answer(request):
        offset = int(request.url.params["offset"])
        offsets.append(offset)
        return httpx.Response(200, json={"data": pages[offset // 2], "total_count": 4})

    respx.get(f"{BASE}/workspaces").mock(side_effect=answer)
    assert [w.name for w in workspaces_list(org, page_size=2)] == ["ws 0", "ws 1", "ws 2", "ws 3"]
    assert offsets == [0, 2]  # a full last page and total reached: no third request


@respx.mock
def test_a_short_page_ends_the_list_even_without_a_total(org):
    route = respx.get(f"{BASE}/guardrails").mock(
        return_value=httpx.Response(200, json={"data": [], "total_count": 0})
    )
    assert guardrails_list(org) == []
    assert route.call_count == 1


@respx.mock
def test_keys_are_paged_by_upstreams_fixed_hundred(org):
    def key(n: int) -> dict:
        usage = {
            f"{p}{w}": 0.0
            for p in ("usage", "byok_usage")
            for w in ("", "_daily", "_weekly", "_monthly")
        }
        return {
            "hash": f"{n:064d}", "name": f"k{n}", "label": "sk-or-v1-a...b", "disabled": False,
            "limit": None, "limit_remaining": None, "limit_reset": None,
            "include_byok_in_limit": False, **usage, "created_at": "2026-01-01T00:00:00Z",
            "updated_at": None, "last_used_at": None, "creator_user_id": None,
            "external_user": None, "workspace_id": "ws",
        }  # fmt: skip

    def answer(request):
        offset = int(request.url.params.get("offset", 0))
        size = 100 if offset < 200 else 7
        return httpx.Response(200, json={"data": [key(offset + i) for i in range(size)]})

    route = respx.get(f"{BASE}/keys").mock(side_effect=answer)
    assert len(list(keys_iter(org))) == 207
    assert route.call_count == 3

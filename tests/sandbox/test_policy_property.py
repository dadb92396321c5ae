"""Property: what ``GET /key`` and ``/models/user`` report predicts what the next call gets.

For random layer set-ups (workspace budgets, default/member/key guardrails with budgets,
allowlists, ZDR and regions, a key limit, a BYOK credential, spend by the key and by a
sibling key of the same member), made through the management API:

* a request through a domain outside ``allowed_data_regions`` is the region's 403;
* otherwise, when ``effective_budget`` is spent, the next call is refused by exactly that
  layer (same scope and id, 402 for ``key_limit``, else 403);
* otherwise a model listed by ``/models/user`` is served, and one it omits is refused by
  access or routing — never by a budget.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from apps.sandbox.routers import SANDBOX_ALIAS
from tests.sandbox.policy_support import Lab, call, key_report, models_user, module_account

pytestmark = pytest.mark.django_db
seeded = module_account("org_policyproperty00000000001")

TINY, BIG = 1e-7, 1000.0
MODELS = [
    "openai/gpt-4o-mini",
    "anthropic/claude-haiku-4.5",
    "google/gemini-2.5-flash",
    "meta-llama/llama-3.3-70b-instruct",
    "x-ai/grok-4",
]
PROVIDER_SETS = [
    ["openai"],
    ["azure"],
    ["openai", "azure", "anthropic", "amazon-bedrock", "google-vertex"],
    ["deepinfra", "together", "xai", "google-ai-studio"],
]
REGIONS = ["global", "europe", "us"]
ZDR_FLAGS = [
    "enforce_zdr_openai",
    "enforce_zdr_anthropic",
    "enforce_zdr_google",
    "enforce_zdr_xai",
    "enforce_zdr_other",
]
ACCESS_REASONS = {
    "model_not_allowed",
    "model_ignored",
    "provider_not_allowed",
    "zdr_required",
    "no_endpoint_in_region",
}

limits = st.sampled_from([TINY, TINY, BIG])
budget_only = st.fixed_dictionaries(
    {"limit_usd": limits}, optional={"include_byok_in_budgets": st.booleans()}
)
guardrails = (
    st.none()
    | budget_only
    | st.fixed_dictionaries(
        {},
        optional={
            "limit_usd": limits,
            "allowed_models": st.lists(
                st.sampled_from(MODELS), min_size=2, max_size=4, unique=True
            ),
            "allowed_providers": st.sampled_from(PROVIDER_SETS),
            "allowed_data_regions": st.sampled_from(
                [REGIONS, REGIONS, ["global", "europe"], ["europe", "us"], ["us"]]
            ),
            "include_byok_in_budgets": st.booleans(),
            **{flag: st.booleans() for flag in ZDR_FLAGS},
        },
    )
)
setups = st.fixed_dictionaries(
    {
        "workspace_budgets": st.dictionaries(
            st.sampled_from(["lifetime", "monthly", "weekly", "daily"]),
            st.sampled_from([BIG, BIG, TINY]),  # mostly head-room: later layers get their turn
            max_size=2,
        ),
        "workspace_byok": st.booleans(),
        "default": guardrails,
        "member": guardrails,
        "key": guardrails,
        "key_limit": st.none() | limits,
        "include_byok_in_limit": st.booleans(),
        "byok": st.none() | st.sampled_from(["openai", "anthropic"]),
        "sibling_spends": st.booleans(),
        "warm_up": st.sampled_from([True, True, True, False]),  # spends tiny budgets
        "region": st.sampled_from(["global", "global", "europe", "us"]),
        "model": st.sampled_from(MODELS),
    }
)


def _guardrail_body(spec: dict) -> dict:
    body = dict(spec)
    if "limit_usd" in body:
        body["reset_interval"] = "daily"
    return body


def _arrange(lab: Lab, setup: dict) -> str:
    """Layers through the management API; returns the secret of the key under test."""
    intervals = ("lifetime", "monthly", "weekly", "daily")  # limits strictly decrease
    chosen = [i for i in intervals if i in setup["workspace_budgets"]]
    kinds = sorted((setup["workspace_budgets"][i] for i in chosen), reverse=True)
    for rank, (interval, kind) in enumerate(zip(chosen, kinds, strict=True)):
        lab.budget(
            interval, kind * (len(chosen) - rank), include_byok_in_budgets=setup["workspace_byok"]
        )
    key_body = {}
    if setup["key_limit"] is not None:
        key_body = {"limit": setup["key_limit"], "limit_reset": "daily"}
    key_body["include_byok_in_limit"] = setup["include_byok_in_limit"]
    key_hash, secret = lab.key(**key_body)
    if setup["default"] is not None:
        lab.default_guardrail(**_guardrail_body(setup["default"]))
    if setup["member"] is not None:
        lab.guardrail(members=[lab.fresh], **_guardrail_body(setup["member"]))
    if setup["key"] is not None:
        lab.guardrail(keys=[key_hash], **_guardrail_body(setup["key"]))
    if setup["byok"]:
        lab.byok(setup["byok"])
    body = {"model": setup["model"], "messages": [{"role": "user", "content": "Hello"}]}
    if setup["sibling_spends"]:
        _sibling, sibling = lab.key()
        call(sibling, body=body, region=setup["region"])
    if setup["warm_up"]:
        call(secret, body=body, region=setup["region"])
    return secret


def _check(secret: str, setup: dict) -> None:
    region, model = setup["region"], setup["model"]
    report = key_report(secret)
    listed = models_user(secret, region)
    body = {"model": model, "messages": [{"role": "user", "content": "Hello"}]}
    response = call(secret, body=body, region=region)
    error = response.json().get("error") or {}
    metadata = error.get("metadata") or {}
    effective = report["effective_budget"]
    if region not in report["allowed_data_regions"]:
        event("refused: data region")
        assert response.status_code == 403, response.content
        assert metadata["reason"] == "data_region_not_allowed"
        return
    first_spent = next((b for b in report["budgets"] if b["remaining_usd"] <= 0), None)
    assert first_spent == (effective if effective and effective["remaining_usd"] <= 0 else None)
    if first_spent is not None:
        event(f"refused: budget {first_spent['scope']}")
        assert response.status_code == (402 if first_spent["scope"] == "key_limit" else 403)
        assert metadata["scope"] == first_spent["scope"], (metadata, report["budgets"])
        assert metadata["guardrail_id"] == first_spent["guardrail_id"]
        assert metadata["budget_id"] == first_spent["budget_id"]
        return
    if model in listed:
        event("served")
        assert response.status_code == 200, (response.content, report["budgets"])
    else:
        assert response.status_code in (403, 404), response.content
        assert metadata["reason"] in ACCESS_REASONS, metadata
        event(f"refused: {metadata['reason']}")


@settings(
    max_examples=40,
    derandomize=True,  # the same set-ups every run: a failure is reproducible
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(setup=setups)
def test_the_effective_budget_and_model_list_predict_the_next_call(seeded, setup):
    account, secret = seeded
    with transaction.atomic(using=SANDBOX_ALIAS):  # each example starts from the seed
        account.refresh_from_db()
        _check(_arrange(Lab(account, secret), setup), setup)
        transaction.set_rollback(True, using=SANDBOX_ALIAS)

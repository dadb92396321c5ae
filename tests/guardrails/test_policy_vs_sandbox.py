"""For random layer set-ups, the console's "can this key call …?" (computed from its mirrors)
equals what the sandbox does when that key calls that model: allowed → 200, blocked → 403
naming the same layer and guardrail."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.guardrails.policy import can_call, key_policy
from apps.keys.models import Key
from apps.syncs.runner import sync_run
from tests.sandbox.policy_support import Lab, call

pytestmark = pytest.mark.django_db

# Two as ids, one as upstream's canonical slug (the console must treat both as the model).
MODELS = ["openai/gpt-4o-mini", "anthropic/claude-haiku-4.5", "google/gemini-2.5-flash"]
NAMES = [*MODELS, "openai/gpt-4o-mini-2024-07-18"]
allow = st.one_of(st.none(), st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True))
ignore = st.one_of(st.none(), st.lists(st.sampled_from(NAMES), max_size=1, unique=True))
layer = st.one_of(
    st.none(), st.fixed_dictionaries({"allowed_models": allow, "ignored_models": ignore})
)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(default=layer, member=layer, own=layer)
def test_can_call_agrees_with_the_sandboxs_enforcement(
    organisation, catalog, sandbox_account, default, member, own
):
    account, secret = sandbox_account
    lab = Lab(account, secret)
    key_hash, key_secret = lab.key()
    expected_ids = {}
    if default:
        expected_ids["workspace_default"] = lab.default_guardrail(**default)
    if member:
        expected_ids["member"] = lab.guardrail(members=[lab.fresh], **member)
    else:  # an earlier example may have given this member a guardrail: take it away
        lab.api.post(
            "/guardrails/" + lab.guardrail() + "/assignments/members",
            {"member_user_ids": [lab.fresh]},
        )
        lab.api.post(
            "/guardrails/" + lab.guardrail() + "/assignments/members/remove",
            {"member_user_ids": [lab.fresh]},
        )
    if own:
        expected_ids["api_key"] = lab.guardrail(keys=[key_hash], **own)
    for stream in ("keys", "workspaces", "guardrails"):
        assert sync_run(organisation, stream).run.ok, stream
    policy = key_policy(Key.objects.get(organisation=organisation, hash=key_hash))
    for model in MODELS:
        answer = can_call(policy, model)
        response = call(
            key_secret, body={"model": model, "messages": [{"role": "user", "content": "hi"}]}
        )
        if answer.allowed:
            assert response.status_code == 200, (model, response.content)
        else:
            assert response.status_code == 403, (model, answer)
            meta = response.json()["error"]["metadata"]
            assert meta["scope"] == answer.scope, (model, meta, answer)
            assert meta["guardrail_id"] == answer.guardrail.guardrail_id
            assert answer.guardrail.guardrail_id == expected_ids[answer.scope]

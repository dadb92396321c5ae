"""The effective policy: combination rules, the key policy page, "can this key call …?",
and the budget layers cross-checked against the sandbox's own computation (the one its
``GET /key`` reports and its enforcement uses)."""

from __future__ import annotations

from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from apps.core.periods import utc_today
from apps.guardrails.models import Guardrail, GuardrailKeyAssignment
from apps.guardrails.policy import _combine, can_call, key_policy
from apps.keys.models import Key
from apps.members.models import UpstreamIdentity
from apps.sandbox.models import ActivityRecord, ApiKey
from apps.sandbox.policy import KeyPolicy
from tests.spend.conftest import sync_activity_recorded

pytestmark = pytest.mark.django_db

MODELS = ["a/one", "a/two", "b/three", "c/four"]
lists = st.one_of(st.none(), st.lists(st.sampled_from(MODELS), min_size=1, unique=True))
actions = st.sampled_from(["flag", "redact", "block"])


def _g(**fields) -> Guardrail:
    return Guardrail(guardrail_id=fields.pop("guardrail_id", "g"), name="g", **fields)


@given(st.lists(lists, min_size=1, max_size=3))
def test_allowlists_intersect_and_none_means_any(allowed):
    policy = _combine([("api_key", _g(allowed_models=a)) for a in allowed], [])
    given_lists = [set(a) for a in allowed if a is not None]
    if not given_lists:
        assert policy.allowed_models is None
    else:
        assert set(policy.allowed_models) == set.intersection(*given_lists)
    for model in MODELS:
        blocked = not can_call(policy, model).allowed
        assert blocked == any(a is not None and model not in a for a in allowed)


@given(st.lists(st.tuples(st.booleans(), st.one_of(st.none(), st.booleans())), max_size=3))
def test_zdr_is_ored_per_group_with_the_deprecated_flag_as_default(flags):
    layers = [("api_key", _g(enforce_zdr=d, enforce_zdr_openai=o)) for d, o in flags]
    policy = _combine(layers, [])
    assert policy.zdr["openai"] == any((o if o is not None else d) for d, o in flags)
    assert policy.zdr["google"] == any(d for d, _o in flags)


@given(st.lists(actions, min_size=1, max_size=3))
def test_content_filters_union_and_the_strictest_action_wins(chosen):
    layers = [
        ("api_key", _g(content_filter_builtins=[{"slug": "email", "action": a}])) for a in chosen
    ]
    filters = _combine(layers, []).filters
    strictest = "block" if "block" in chosen else "redact" if "redact" in chosen else "flag"
    assert [(f.entity, f.action) for f in filters] == [("builtin:email", strictest)]


def test_regions_intersect_with_the_entitlement():
    layers = [
        ("member", _g(allowed_data_regions=["europe", "us"])),
        ("api_key", _g(allowed_data_regions=["europe", "global"])),
    ]
    assert _combine(layers, []).regions == ["europe"]


@pytest.fixture
def with_spend(mirrored, sandbox_account):
    from apps.syncs.runner import sync_run

    assert sync_run(mirrored, "budgets").run.ok
    sync_activity_recorded(mirrored, sandbox_account[0])
    return mirrored


def _capped_key(capped) -> Key:
    hashes = GuardrailKeyAssignment.objects.filter(guardrail_id=capped.guardrail_id)
    return Key.objects.get(organisation=capped.organisation, hash=hashes.first().key_hash)


def test_budget_layers_match_what_the_sandbox_reports_for_the_key(with_spend, capped):
    key = _capped_key(capped)
    ours = key_policy(key).budgets
    api_key = ApiKey.objects.get(hash=key.hash)
    # The console's spend cache holds the days the activity feed has reported (not today's,
    # still open): compare with the sandbox's computation over the same days.
    ActivityRecord.objects.filter(account=api_key.account, date__gte=utc_today()).delete()
    theirs = KeyPolicy(api_key.account, api_key).budgets()
    assert [b.scope for b in ours] == [b["scope"] for b in theirs]
    for mine, report in zip(ours, theirs, strict=True):
        assert float(mine.limit) == pytest.approx(report["limit_usd"])
        if report["reset_interval"]:  # windows inside the synced activity
            assert float(mine.remaining) == pytest.approx(report["remaining_usd"], abs=1e-6)
    assert sum(b.blocks_first for b in ours) == 1


def test_key_policy_page_shows_every_layer_without_calling_upstream(
    client_for, admin, with_spend, capped, monkeypatch
):
    key = _capped_key(capped)
    monkeypatch.setattr(
        "apps.gateway.core._attempt", lambda *a, **k: pytest.fail("a page called upstream")
    )
    body = client_for(admin).get(reverse("guardrails:key_policy", args=[key.hash])).content
    text = body.decode()
    assert "Interns - capped" in text and 'data-testid="blocks-first"' in text
    # Upstream's canonical slug is shown (and compared) as the catalog's model id.
    assert "openai/gpt-4.1-mini" in text and "2025-04-14" not in text and "builtin:email" in text


def test_can_this_key_call_names_the_blocking_layer_and_links_to_it(
    client_for, admin, with_spend, capped
):
    key = _capped_key(capped)
    url = reverse("guardrails:key_policy", args=[key.hash])
    response = client_for(admin).get(
        url, {"model": "anthropic/claude-sonnet-4.5"}, HTTP_HX_REQUEST="true"
    )
    text = response.content.decode()
    assert response.status_code == 200 and "<html" not in text
    assert "Blocked by the api_key layer" in text and "allowed models" in text
    assert reverse("guardrails:detail", args=[capped.guardrail_id]) in text
    # The guardrail names it by its canonical slug: the id is allowed all the same.
    by_id = client_for(admin).get(url, {"model": "openai/gpt-4.1-mini"}, HTTP_HX_REQUEST="true")
    assert "Allowed: openai/gpt-4.1-mini" in by_id.content.decode()
    allowed = client_for(admin).get(
        url, {"model": "google/gemini-2.5-flash"}, HTTP_HX_REQUEST="true"
    )
    assert "Allowed: google/gemini-2.5-flash" in allowed.content.decode()
    bad = client_for(admin).get(url, {"model": "x/y", "cost": "lots"}, HTTP_HX_REQUEST="true")
    assert "must be a number of dollars" in bad.content.decode()


def test_a_spent_budget_blocks_before_any_model_rule(capped, with_spend):
    key = _capped_key(capped)
    policy = key_policy(key)
    layer = next(b for b in policy.budgets if b.scope == "api_key")
    layer.spent = layer.limit
    answer = can_call(policy, "google/gemini-2.5-flash")
    assert not answer.allowed and answer.scope in {b.scope for b in policy.budgets}
    assert answer.budget.remaining <= 0


def test_a_member_sees_their_own_keys_policy_only(
    client_for, member, organisation, with_spend, capped
):
    key = _capped_key(capped)
    url = reverse("guardrails:key_policy", args=[key.hash])
    assert client_for(member).get(url).status_code == 404
    UpstreamIdentity.objects.create(
        organisation=organisation, user=member, upstream_user_id=key.creator_user_id
    )
    assert key.creator_user_id
    response = client_for(member).get(url)
    assert response.status_code == 200 and "Interns - capped" in response.content.decode()


def test_outsider_gets_404_for_a_keys_policy(client_for, outsider, capped):
    key = _capped_key(capped)
    assert (
        client_for(outsider).get(reverse("guardrails:key_policy", args=[key.hash])).status_code
        == 404
    )


def test_cost_estimate_warns_when_it_would_pass_a_limit(capped, with_spend):
    policy = key_policy(_capped_key(capped))
    smallest = min(b.remaining for b in policy.budgets)
    answer = can_call(policy, "google/gemini-2.5-flash", cost=smallest + Decimal(1))
    assert answer.allowed and "past its limit" in answer.reason


def test_saving_model_rules_first_says_which_recent_callers_they_would_block(
    client_for, admin, with_spend, capped
):
    from datetime import timedelta

    from apps.guardrails.selectors import keys_holding
    from apps.sandbox.models import Guardrail as SandboxGuardrail
    from apps.spend.models import SpendFact

    called = set(
        SpendFact.objects.filter(
            key_hash__in=keys_holding(capped), date__gte=utc_today() - timedelta(days=7)
        ).values_list("model", flat=True)
    )
    assert called, "the seeded keys of this guardrail called models this week"
    data = {
        "name": capped.name,
        "description": capped.description,
        "limit_usd": "25",
        "reset_interval": "weekly",
        "allowed_models": ["anthropic/claude-haiku-4.5"],
        "prompt_injection_scope": "all_messages",
    }
    url = reverse("guardrails:settings", args=[capped.guardrail_id])
    client = client_for(admin)
    refused = client.post(url, data, HTTP_HX_REQUEST="true")
    body = refused.content.decode()
    assert refused.status_code == 422 and 'data-testid="would-block"' in body
    assert "This change would block" in body and "in the last 7 days" in body
    assert SandboxGuardrail.objects.get(id=capped.guardrail_id).allowed_models != [
        "anthropic/claude-4.5-haiku-20251001"
    ]
    saved = client.post(url, data | {"accept_blocking": "on"}, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200
    assert SandboxGuardrail.objects.get(id=capped.guardrail_id).allowed_models == [
        "anthropic/claude-4.5-haiku-20251001"
    ]


def _daily_budget(g: Guardrail, limit: str) -> dict:
    """The settings form of ``g`` as it is, with a daily budget of ``limit``."""
    return {
        "name": g.name,
        "description": g.description,
        "limit_usd": limit,
        "reset_interval": "daily",
        "prompt_injection_scope": "all_messages",
    }


def test_a_budget_already_spent_by_a_key_says_so_before_saving(client_for, admin, capped):
    from apps.sandbox.models import Guardrail as SandboxGuardrail
    from apps.spend.models import SpendFact

    key = _capped_key(capped)
    SpendFact.objects.create(
        organisation=capped.organisation,
        date=utc_today(),
        key_hash=key.hash,
        model="openai/gpt-4o-mini",
        usage_micros=3_500_000,
    )
    data = _daily_budget(capped, "2")
    url = reverse("guardrails:settings", args=[capped.guardrail_id])
    client = client_for(admin)
    refused = client.post(url, data, HTTP_HX_REQUEST="true")
    body = refused.content.decode()
    assert refused.status_code == 422 and 'data-testid="would-block"' in body
    assert "This budget would block 1 key at once" in body and key.name in body
    assert SandboxGuardrail.objects.get(id=capped.guardrail_id).limit_usd != 2
    assert client.post(url, data | {"limit_usd": "5"}, HTTP_HX_REQUEST="true").status_code == 200
    saved = client.post(url, data | {"accept_blocking": "on"}, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200
    assert SandboxGuardrail.objects.get(id=capped.guardrail_id).limit_usd == 2


def test_a_budget_its_member_has_spent_over_several_keys_says_so_before_saving(
    client_for, admin, capped
):
    """Budgets count per member too: each key under the limit, their sum over it, blocks."""
    from apps.guardrails.models import GuardrailMemberAssignment
    from apps.members.models import UpstreamMember
    from apps.members.selectors import people_labels
    from apps.spend.models import SpendFact

    org = capped.organisation
    member = UpstreamMember.objects.filter(organisation=org).order_by("user_id").first()
    GuardrailMemberAssignment.objects.update_or_create(
        organisation=org, user_id=member.user_id, defaults={"guardrail_id": capped.guardrail_id}
    )
    SpendFact.objects.bulk_create(
        SpendFact(
            organisation=org,
            date=utc_today(),
            key_hash=f"{n:064x}",  # keys the guardrail does not hold: only the member does
            user_id=member.user_id,
            model="openai/gpt-4o-mini",
            usage_micros=1_500_000,
        )
        for n in range(2)
    )
    data = _daily_budget(capped, "2")
    url = reverse("guardrails:settings", args=[capped.guardrail_id])
    refused = client_for(admin).post(url, data, HTTP_HX_REQUEST="true")
    body = unescape(refused.content.decode())
    assert refused.status_code == 422 and "This budget would block 1 member at once" in body
    assert f"member {people_labels(org)[member.user_id]}" in body
    higher = client_for(admin).post(url, data | {"limit_usd": "3.5"}, HTTP_HX_REQUEST="true")
    assert higher.status_code == 200  # $3 spent in all is under $3.50

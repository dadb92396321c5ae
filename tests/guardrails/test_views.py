"""Guardrail pages: list, assignments, detail, create, edit, assign/unassign, delete; by role."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.gateway import guardrails as gateway_guardrails
from apps.gateway.errors import UpstreamUnavailable
from apps.guardrails import selectors
from apps.guardrails.models import Guardrail, GuardrailKeyAssignment, GuardrailMemberAssignment
from apps.keys.models import Key
from apps.keys.services.mirror import key_guardrails_mirror
from apps.members.selectors import people_labels
from apps.sandbox.models import Guardrail as SandboxGuardrail
from apps.sandbox.models import GuardrailKeyAssignment as SandboxKeyAssignment
from apps.syncs.runner import sync_run

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
LIST = reverse("guardrails:list")
CREATE = reverse("guardrails:create")
UPSTREAM_FAULTS = [
    ("400", "rejected the request as invalid"),
    ("403", "not allowed"),
    ("409", "conflict"),
    ("429", "rate-limiting"),
    ("503", "unavailable"),
]


def _url(name: str, g: Guardrail, *args) -> str:
    return reverse(f"guardrails:{name}", args=[g.guardrail_id, *args])


def _text(response) -> str:
    return unescape(response.content.decode())


def _toast(response) -> str:
    return json.loads(response.headers.get("HX-Trigger", "{}")).get("toast", {}).get("message", "")


def _create_data(workspace_id: str, **overrides) -> dict:
    return {
        "name": "Contractors",
        "description": "Small budget",
        "workspace_id": workspace_id,
        "limit_usd": "10",
        "reset_interval": "daily",
        "prompt_injection_scope": "all_messages",
    } | overrides


def _keys_of(g: Guardrail) -> set[str]:
    """The keys assigned ``g`` in the mirror; and the copy on the key rows agrees with it."""
    assigned = set(
        GuardrailKeyAssignment.objects.filter(guardrail_id=g.guardrail_id).values_list(
            "key_hash", flat=True
        )
    )
    keys = Key.objects.filter(organisation=g.organisation)
    on_rows = set(keys.filter(guardrail_id=g.guardrail_id).values_list("hash", flat=True))
    assert on_rows == set(keys.filter(hash__in=assigned).values_list("hash", flat=True))
    return assigned


# --- reads -------------------------------------------------------------------------------


def test_admin_lists_guardrails_with_assignments_without_calling_upstream(
    client_for, admin, capped, research, no_upstream
):
    response = client_for(admin).get(LIST)
    body = _text(response)
    assert response.status_code == 200
    for name in ("Interns - capped", "Production policy", "Research sandbox"):
        assert name in body
    n = len(_keys_of(capped))
    assert n and f"{n} key{'s' if n != 1 else ''}, 0 members" in body
    assert "New guardrail" in body


def test_the_list_pages_by_name_with_load_more(client_for, admin, capped, research, monkeypatch):
    monkeypatch.setattr("apps.guardrails.selectors.LIST_PAGE", 1)
    client = client_for(admin)
    first = client.get(LIST)
    assert len(first.context["rows"]) == 1 and "Load more" in _text(first)
    seen, after = [g.name for g in first.context["rows"]], first.context["next_cursor"]
    while after:
        more = client.get(LIST, {"after": after}, **HTMX)
        body = _text(more)
        assert "<table" not in body and "guardrail-results" not in body
        seen += re.findall(r'<td data-label="Guardrail"><a href="[^"]+">([^<]+)</a>', body)
        cursor = re.search(r'after=([^"&]+)"', body)
        after = cursor.group(1) if cursor else ""
    names = Guardrail.objects.filter(organisation=capped.organisation).values_list(
        "name", flat=True
    )
    assert seen == sorted(names) and len(seen) >= 3
    assert client.get(LIST, {"after": "not-a-cursor"}).context["rows"][0].name == seen[0]


def test_an_unassigned_guardrail_is_flagged_as_doing_nothing(client_for, admin, research):
    GuardrailKeyAssignment.objects.filter(guardrail_id=research.guardrail_id).delete()
    GuardrailMemberAssignment.objects.filter(guardrail_id=research.guardrail_id).delete()
    key_guardrails_mirror(research.organisation)
    body = _text(client_for(admin).get(LIST, {"q": "research"}, **HTMX))
    assert "<html" not in body and 'data-testid="unassigned"' in body
    assert "Interns - capped" not in body
    page = _text(client_for(admin).get(_url("detail", research)))
    assert "this guardrail does nothing yet" in page


def test_every_assignment_on_one_page(client_for, finance, capped, research, no_upstream):
    body = _text(client_for(finance).get(reverse("guardrails:assignments")))
    for key in Key.objects.filter(hash__in=_keys_of(capped)):
        assert key.name in body
    assert body.count('<td data-label="Kind">member</td>') == 1


def test_finance_reads_a_guardrail_without_any_control(client_for, finance, capped, no_upstream):
    response = client_for(finance).get(_url("detail", capped))
    body = _text(response)
    assert response.status_code == 200 and "$25" in body and "email (redact)" in body
    assert "Assign selected" not in body and "Delete guardrail" not in body
    assert client_for(finance).get(_url("settings", capped)).status_code == 403
    assert client_for(finance).post(_url("settings", capped), {"name": "x"}).status_code == 403
    assert client_for(finance).post(_url("detail", capped), {"name": "x"}).status_code == 405


def test_long_holder_and_candidate_lists_show_some_and_are_searched(
    client_for, admin, finance, capped, monkeypatch, no_upstream
):
    org, limit = capped.organisation, selectors.PICK_LIMIT
    extra = Key.objects.bulk_create(  # mirror rows: the pages read only the mirror
        Key(
            organisation=org,
            hash=f"{n:064x}",
            name=f"zz bulk {n:03d}",
            workspace_id=capped.workspace_id,
            created_at=timezone.now(),
        )
        for n in range(2 * limit + 1)
    )
    GuardrailKeyAssignment.objects.bulk_create(
        GuardrailKeyAssignment(organisation=org, guardrail_id=capped.guardrail_id, key_hash=k.hash)
        for k in extra[:limit]
    )
    key_guardrails_mirror(org)
    held = list(Key.objects.filter(hash__in=_keys_of(capped)).order_by("name"))
    candidates = Key.objects.filter(organisation=org, workspace_id=capped.workspace_id).count()
    page = _text(client_for(admin).get(_url("detail", capped)))
    assert f'Keys <small class="muted-text">({len(held)})</small>' in page
    assert f"{len(held) - limit} more not shown: search to find them." in page
    assert f"{candidates - len(held) - limit} more not shown" in page
    holders = _url("holders", capped, "keys")
    found = _text(client_for(admin).get(holders, {"q": held[-1].name}, **HTMX))
    assert "<html" not in found and held[-1].name in found and held[0].name not in found
    assert 'name="ids"' in found and "more not shown" not in found
    read_only = _text(client_for(finance).get(holders, {"q": held[-1].name}, **HTMX))
    assert held[-1].name in read_only and 'name="ids"' not in read_only
    assert "None matches “zzz”" in _text(client_for(finance).get(holders, {"q": "zzz"}, **HTMX))
    assert client_for(finance).get(_url("holders", capped, "nope")).status_code == 404


@pytest.mark.parametrize("role", ["member"])
def test_members_cannot_open_guardrails(request, client_for, capped, role):
    client = client_for(request.getfixturevalue(role))
    assert client.get(LIST).status_code == 403
    assert client.get(_url("detail", capped)).status_code == 403


def test_outsider_gets_404_for_another_organisations_guardrail(client_for, outsider, capped):
    client = client_for(outsider)
    assert "Interns - capped" not in _text(client.get(LIST))
    assert client.get(_url("detail", capped)).status_code == 404
    assert client.get(_url("delete", capped)).status_code == 404


# --- create and edit ---------------------------------------------------------------------


def test_admin_creates_a_guardrail_with_every_kind_of_rule(client_for, admin, capped):
    data = _create_data(
        capped.workspace_id,
        allowed_models=["openai/gpt-4.1-mini"],
        allowed_providers=["openai"],
        allowed_data_regions=["europe"],
        enforce_zdr_anthropic="on",
        builtin_email="block",
        builtin_regex_prompt_injection="flag",
        prompt_injection_scope="user_only",
        content_filters="redact: ACME-[0-9]{6}",
    )
    response = client_for(admin).post(CREATE, data, **HTMX)
    g = Guardrail.objects.get(organisation=capped.organisation, name="Contractors")
    assert response.headers["HX-Redirect"] == _url("detail", g)
    upstream = SandboxGuardrail.objects.get(id=g.guardrail_id)
    assert upstream.limit_usd == 10 and upstream.reset_interval == "daily"
    assert upstream.allowed_providers == ["openai"]
    assert upstream.policy["allowed_data_regions"] == ["europe"]
    assert upstream.policy["enforce_zdr_anthropic"] is True
    assert {b["slug"]: b["action"] for b in upstream.policy["content_filter_builtins"]} == {
        "email": "block",
        "regex-prompt-injection": "flag",
    }
    assert upstream.policy["content_filters"] == [{"pattern": "ACME-[0-9]{6}", "action": "redact"}]
    assert g.content_filters == [{"pattern": "ACME-[0-9]{6}", "action": "redact"}]
    assert AuditEntry.objects.get(action="guardrail.create").after["name"] == "Contractors"


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("block: (?=secret)", "lookaround assertions are not supported"),
        ("block: (a)\\1", "backreferences are not supported"),
        ("block: (a+)+", "nested quantifiers are not supported"),
        ("block: [unclosed", "pattern does not compile"),
        ("shout: abc", "write it as action: pattern"),
    ],
)
def test_custom_patterns_are_checked_before_upstream_on_their_field(
    client_for, admin, capped, upstream_calls, pattern, problem
):
    data = _create_data(capped.workspace_id, content_filters=pattern)
    response = client_for(admin).post(CREATE, data, **HTMX)
    body = _text(response)
    assert response.status_code == 422 and upstream_calls == []
    field = body[body.index('for="id_content_filters"') :]
    assert field.index(problem) < field.index("</label>")
    assert 'value="Contractors"' in body  # what was typed is kept


def test_a_budget_needs_both_limit_and_interval(client_for, admin, capped, upstream_calls):
    data = _create_data(capped.workspace_id, reset_interval="")
    response = client_for(admin).post(CREATE, data, **HTMX)
    assert response.status_code == 422 and upstream_calls == []
    assert "limit_usd and reset_interval must be provided together" in _text(response)


@pytest.mark.parametrize(("fault", "message"), UPSTREAM_FAULTS)
def test_create_upstream_errors_keep_the_form(
    client_for, admin, capped, upstream_fault, fault, message
):
    upstream_fault(fault)
    response = client_for(admin).post(CREATE, _create_data(capped.workspace_id), **HTMX)
    body = _text(response)
    assert response.status_code == 422 and message in body.lower()
    assert 'value="Contractors"' in body
    assert not Guardrail.objects.filter(name="Contractors").exists()


def test_admin_edits_a_guardrail_patched_upstream_and_audited(client_for, admin, capped):
    client = client_for(admin)
    assert _url("settings", capped) in _text(client.get(_url("detail", capped)))
    page = _text(client.get(_url("settings", capped)))
    assert 'value="Interns - capped"' in page
    data = {
        "name": "Interns",
        "description": capped.description,
        "limit_usd": "30",
        "reset_interval": "weekly",
        "allowed_models": capped.allowed_models,
        "allowed_providers": capped.allowed_providers,
        "enforce_zdr_openai": "on",
        "builtin_email": "redact",
        "prompt_injection_scope": "all_messages",
    }
    response = client.post(_url("settings", capped), data, **HTMX)
    assert response.status_code == 200, _text(response)
    assert _toast(response) == "Saved."
    upstream = SandboxGuardrail.objects.get(id=capped.guardrail_id)
    assert upstream.name == "Interns" and upstream.limit_usd == 30
    entry = AuditEntry.objects.get(action="guardrail.update")
    assert entry.before["limit_usd"] == 25 and entry.after["limit_usd"] == 30


@pytest.mark.parametrize(("fault", "message"), UPSTREAM_FAULTS)
def test_edit_upstream_errors_keep_the_settings_form(
    client_for, admin, capped, upstream_fault, fault, message
):
    upstream_fault(fault)
    data = {"name": "Interns, renamed", "prompt_injection_scope": "all_messages"}
    response = client_for(admin).post(_url("settings", capped), data, **HTMX)
    body = _text(response)
    assert response.status_code == 422 and message in body.lower()
    assert 'value="Interns, renamed"' in body and 'id="guardrail-settings"' in body
    assert Guardrail.objects.get(pk=capped.pk).name == "Interns - capped"


# --- assignments -------------------------------------------------------------------------


def test_bulk_assign_keys_replaces_their_previous_guardrail_and_says_so(
    client_for, admin, capped, research
):
    client = client_for(admin)
    page = _text(client.get(_url("detail", research)))
    in_workspace = Key.objects.filter(
        organisation=capped.organisation, workspace_id=research.workspace_id
    )
    held = next(k.hash for k in in_workspace if k.hash in _keys_of(capped))
    fresh = in_workspace.exclude(hash__in=_keys_of(research) | {held}).first()
    replaced = GuardrailKeyAssignment.objects.filter(key_hash__in=[held, fresh.hash]).count()
    assert f'value="{held}"' in page and "holds Interns - capped: replaced" in page
    response = client.post(_url("assign", research, "keys"), {"ids": [held, fresh.hash]}, **HTMX)
    assert response.headers["HX-Redirect"] == _url("detail", research)
    after = _text(client.get(_url("detail", research)))
    assert "2 keys assigned" in after
    assert f"{replaced} of them held another guardrail, now replaced" in after
    assert {held, fresh.hash} <= _keys_of(research) and held not in _keys_of(capped)
    upstream = SandboxKeyAssignment.objects.filter(key__hash=held).get()
    assert str(upstream.guardrail_id) == research.guardrail_id


def test_a_key_of_another_workspace_cannot_be_assigned(client_for, admin, capped, upstream_calls):
    other = (
        Key.objects.filter(organisation=capped.organisation)
        .exclude(workspace_id=capped.workspace_id)
        .first()
    )
    response = client_for(admin).post(_url("assign", capped, "keys"), {"ids": [other.hash]}, **HTMX)
    assert response.status_code == 400 and "is not one of the available choices" in _toast(response)
    assert upstream_calls == [] and other.hash not in _keys_of(capped)


def test_a_bulk_assignment_failing_part_way_says_what_was_applied(
    client_for, admin, capped, research, monkeypatch
):
    monkeypatch.setattr(gateway_guardrails, "ASSIGN_BATCH", 1)
    real = gateway_guardrails.guardrail_keys_assign
    calls: list[int] = []

    def second_fails(organisation, guardrail_id, hashes):
        calls.append(1)
        if len(calls) == 2:
            raise UpstreamUnavailable("OpenRouter is unavailable right now.")
        return real(organisation, guardrail_id, hashes)

    monkeypatch.setattr(gateway_guardrails, "guardrail_keys_assign", second_fails)
    keys = list(
        Key.objects.filter(
            organisation=research.organisation, workspace_id=research.workspace_id
        ).exclude(hash__in=_keys_of(research))[:2]
    )
    assert len(keys) == 2
    client = client_for(admin)
    response = client.post(
        _url("assign", research, "keys"), {"ids": [k.hash for k in keys]}, **HTMX
    )
    page = _text(client.get(response.headers["HX-Redirect"]))
    assert f"1 keys assigned: {keys[0].name}" in page
    assert f"Not applied ({keys[1].name} ({keys[1].label})): OpenRouter is unavailable" in page
    assert keys[0].hash in _keys_of(research)
    assert keys[1].hash not in _keys_of(research)  # the mirror stays true


def test_unassign_members(client_for, admin, research):
    member_id = GuardrailMemberAssignment.objects.get(guardrail_id=research.guardrail_id).user_id
    response = client_for(admin).post(
        _url("unassign", research, "members"), {"ids": [member_id]}, **HTMX
    )
    assert response.headers["HX-Redirect"] == _url("detail", research)
    assert not GuardrailMemberAssignment.objects.filter(guardrail_id=research.guardrail_id)
    assert AuditEntry.objects.filter(action="guardrail.unassign_members").exists()


def test_a_change_made_outside_the_console_shows_after_one_sync(mirrored, capped):
    SandboxGuardrail.objects.filter(id=capped.guardrail_id).update(limit_usd=99.0)
    SandboxKeyAssignment.objects.filter(guardrail_id=capped.guardrail_id).delete()
    assert sync_run(mirrored, "guardrails").run.ok
    assert Guardrail.objects.get(pk=capped.pk).limit_usd == 99.0
    assert _keys_of(capped) == set()
    entry = AuditEntry.objects.get(action="guardrail.outside_update")
    assert entry.before == {"limit_usd": 25.0} and entry.after == {"limit_usd": 99.0}


def test_a_key_new_to_the_mirror_takes_the_guardrail_it_holds(mirrored, capped):
    held = Key.objects.get(hash=sorted(_keys_of(capped))[0])
    Key.objects.filter(pk=held.pk).delete()  # as if the key were made after the last keys sync
    assert sync_run(mirrored, "keys").run.ok
    assert Key.objects.get(hash=held.hash).guardrail_id == capped.guardrail_id
    assert held.hash in _keys_of(capped)


# --- delete ------------------------------------------------------------------------------


def test_delete_needs_the_name_then_removes_it_everywhere(client_for, admin, capped):
    client = client_for(admin)
    dialog = _text(client.get(_url("delete", capped), **HTMX))
    assert "<dialog" in dialog and "they lose its limits at once" in dialog
    refused = client.post(_url("delete", capped), {"confirm": "nope"}, **HTMX)
    assert refused.status_code == 422 and "Type Interns - capped exactly" in _text(refused)
    response = client.post(_url("delete", capped), {"confirm": "Interns - capped"}, **HTMX)
    assert response.headers["HX-Redirect"] == LIST
    assert not SandboxGuardrail.objects.filter(id=capped.guardrail_id).exists()
    assert not Guardrail.objects.filter(pk=capped.pk).exists() and _keys_of(capped) == set()


def test_assignments_are_searched_filtered_and_capped(client_for, finance, capped, research):
    url = reverse("guardrails:assignments")
    client = client_for(finance)
    keys = list(Key.objects.filter(hash__in=_keys_of(capped)))
    only_keys = _text(client.get(url, {"kind": "key"}, **HTMX))
    assert "<html" not in only_keys and '<td data-label="Kind">member</td>' not in only_keys
    assert all(k.name in only_keys for k in keys)
    found = _text(client.get(url, {"q": keys[0].name}, **HTMX))
    assert keys[0].name in found and found.count("<tr>") == 1 + 1  # the head and one row
    by_guardrail = _text(client.get(url, {"q": capped.name[:6]}, **HTMX))
    assert by_guardrail.count(f">{capped.name}</a>") == len(keys)
    assert "No assignment matches" in _text(client.get(url, {"q": "zzz-nothing"}, **HTMX))
    everything = GuardrailKeyAssignment.objects.count() + GuardrailMemberAssignment.objects.count()
    seen, offset = [], 0
    while True:  # a page of 2 at a time covers every assignment once, in order
        rows, total = selectors.assignments_page(capped.organisation, offset=offset, limit=2)
        assert total == everything and len(rows) <= 2
        seen += rows
        offset += len(rows)
        if not rows or offset >= total:
            break
    assert len(seen) == everything == len({(r.kind, r.subject, r.guardrail_id) for r in seen})
    order = [(r.guardrail_name.lower(), r.kind, r.subject.lower()) for r in seen]
    assert order == sorted(order)
    members = [r for r in seen if r.kind == "member"]
    labels = people_labels(capped.organisation)
    held = GuardrailMemberAssignment.objects.values_list("user_id", flat=True)
    assert sorted(r.subject for r in members) == sorted(labels.get(u, u) for u in held)


def test_assignments_load_more_by_page(client_for, finance, capped, research, monkeypatch):
    monkeypatch.setattr("apps.guardrails.selectors.ASSIGNMENTS_PAGE", 1)
    url = reverse("guardrails:assignments")
    client = client_for(finance)
    first = _text(client.get(url, {"kind": "key"}))
    assert first.count('<td data-label="Kind">key</td>') == 1 and "Load more" in first
    more = client.get(url, {"kind": "key", "after": "1"}, **HTMX)
    body = _text(more)
    assert more.status_code == 200 and "<table" not in body and "assignment-count" not in body
    assert body.count('<td data-label="Kind">key</td>') == 1 and "kind=key&after=2" in body
    first_key = first.split('<td data-label="Key or member">')[1].split("<")[0]
    assert first_key not in body  # the next one, not the same again
    keys = GuardrailKeyAssignment.objects.count()
    last = _text(client.get(url, {"kind": "key", "after": str(keys - 1)}, **HTMX))
    assert "Load more" not in last and last.count("<tr>") == 1

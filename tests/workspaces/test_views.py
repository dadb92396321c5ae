"""Workspaces pages: list, detail, create, edit, budgets, members, delete; by role."""

from __future__ import annotations

import json
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse

from apps.audit.models import AuditEntry
from apps.keys.models import Key
from apps.sandbox.models import Workspace as SandboxWorkspace
from apps.sandbox.models import WorkspaceBudget, WorkspaceMembership
from apps.spend.models import Budget, SpendFact
from apps.spend.periods import utc_today
from apps.syncs.runner import sync_run
from apps.workspaces.models import Workspace, WorkspaceMember

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
LIST = reverse("workspaces:list")
CREATE = reverse("workspaces:create")
UPSTREAM_FAULTS = [
    ("400", "rejected the request as invalid"),
    ("403", "not allowed"),
    ("409", "conflict"),
    ("429", "rate-limiting"),
    ("503", "unavailable"),
]


def _url(name: str, ws: Workspace) -> str:
    return reverse(f"workspaces:{name}", args=[ws.workspace_id])


def _text(response) -> str:
    return unescape(response.content.decode())


def _toast(response) -> str:
    return json.loads(response.headers.get("HX-Trigger", "{}")).get("toast", {}).get("message", "")


def _settings(ws: Workspace, **overrides) -> dict:
    data = {
        "name": ws.name,
        "slug": ws.slug,
        "description": ws.description,
        "default_text_model": ws.default_text_model,
        "default_image_model": ws.default_image_model,
        "default_provider_sort": ws.default_provider_sort,
        "io_logging_sampling_rate": ws.io_logging_sampling_rate,
    }
    return {k: v for k, v in (data | overrides).items() if v is not None}


# --- list and detail: reads ------------------------------------------------------------------


def test_admin_lists_every_workspace_with_its_counts_without_calling_upstream(
    client_for, admin, mirrored, other_ws, no_upstream
):
    response = client_for(admin).get(LIST)
    body = _text(response)
    assert response.status_code == 200
    for ws in Workspace.objects.filter(organisation=mirrored):
        assert ws.name in body
    keys = Key.objects.filter(organisation=mirrored, workspace_id=other_ws.workspace_id).count()
    assert keys > 0 and f'<td data-label="Keys">{keys}</td>' in body
    assert "New workspace" in body


def test_list_search_and_sort_answer_the_results_partial(client_for, admin, other_ws, default_ws):
    client = client_for(admin)
    response = client.get(LIST, {"q": other_ws.slug}, **HTMX)
    body = _text(response)
    assert response.status_code == 200 and "<html" not in body
    assert 'id="workspace-results"' in body and other_ws.name in body
    assert default_ws.name not in body
    by_keys = _text(client.get(LIST, {"sort": "-keys"}, **HTMX))
    most = max(
        Workspace.objects.filter(organisation=other_ws.organisation),
        key=lambda w: Key.objects.filter(workspace_id=w.workspace_id).count(),
    )
    first = by_keys.index('<a href="/workspaces/')
    assert by_keys.index(most.name) - first < 200


def test_detail_shows_budgets_with_spend_members_and_keys_without_calling_upstream(
    client_for, finance, other_ws, no_upstream
):
    response = client_for(finance).get(_url("detail", other_ws))
    body = _text(response)
    assert response.status_code == 200
    assert 'data-testid="workspace-budgets"' in body
    for interval in ("lifetime", "monthly", "weekly"):
        assert f'<td data-label="Interval">{interval}</td>' in body
    for key in Key.objects.filter(workspace_id=other_ws.workspace_id):
        assert key.name in body
    assert WorkspaceMember.objects.filter(workspace_id=other_ws.workspace_id).count() == 4
    # Finance reads: no form, no dialog.
    assert "Save budgets" not in body and "Delete workspace" not in body
    assert "Add members" not in body


def test_member_sees_only_the_workspaces_they_belong_to(
    client_for, member, default_ws, other_ws, member_linked_outside
):
    client = client_for(member)
    body = _text(client.get(LIST))
    assert default_ws.name in body and other_ws.name not in body
    assert client.get(_url("detail", other_ws)).status_code == 404
    page = client.get(_url("detail", default_ws))
    assert page.status_code == 200 and "Save budgets" not in _text(page)


def test_member_not_linked_upstream_sees_no_workspace(client_for, member, default_ws):
    body = _text(client_for(member).get(LIST))
    assert default_ws.name not in body and "You belong to no workspace yet." in body


def test_outsider_gets_404_for_another_organisations_workspace(client_for, outsider, other_ws):
    client = client_for(outsider)
    assert other_ws.name not in _text(client.get(LIST))
    for name in ("detail", "delete", "members_add"):
        assert client.get(_url(name, other_ws)).status_code == 404, name


@pytest.mark.parametrize("role", ["finance", "member"])
def test_roles_that_do_not_manage_workspaces_cannot_write(request, client_for, default_ws, role):
    client = client_for(request.getfixturevalue(role))
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, {"name": "X", "slug": "x"}).status_code == 403
    assert client.post(_url("budgets", default_ws), {"daily": "5"}).status_code == 403
    assert client.post(_url("delete", default_ws), {"confirm": default_ws.name}).status_code == 403
    assert Workspace.objects.filter(pk=default_ws.pk).exists()


# --- create and edit ---------------------------------------------------------------------


def test_admin_creates_a_workspace_upstream_mirrors_and_audits_it(
    client_for, admin, mirrored, sandbox_account
):
    data = {
        "name": "Research",
        "slug": "research-lab",
        "description": "Experiments",
        "default_provider_sort": "price",
        "io_logging_sampling_rate": "0.5",
        "disabled_server_tools": ["openrouter:web_search"],
    }
    response = client_for(admin).post(CREATE, data, **HTMX)
    ws = Workspace.objects.get(organisation=mirrored, slug="research-lab")
    assert response.status_code == 200 and response.headers["HX-Redirect"] == _url("detail", ws)
    upstream = SandboxWorkspace.objects.get(id=ws.workspace_id)
    assert upstream.default_provider_sort == "price" and upstream.io_logging_sampling_rate == 0.5
    assert upstream.disabled_server_tools == ["openrouter:web_search"]
    entry = AuditEntry.objects.get(action="workspace.create", target_id=ws.workspace_id)
    assert entry.after["slug"] == "research-lab" and entry.actor_label == admin.email


def test_create_form_is_a_full_page_or_its_partial(client_for, admin, mirrored):
    assert "<html" in client_for(admin).get(CREATE).content.decode()
    body = client_for(admin).get(CREATE, **HTMX).content.decode()
    assert 'id="workspace-form"' in body and "<html" not in body


def test_bad_slug_and_sampling_rate_are_refused_in_place_keeping_what_was_typed(
    client_for, admin, mirrored, upstream_calls
):
    data = {"name": "Typed name", "slug": "Not A Slug", "io_logging_sampling_rate": "2"}
    response = client_for(admin).post(CREATE, data, **HTMX)
    body = _text(response)
    assert response.status_code == 422 and upstream_calls == []
    assert "slug must be lowercase letters and digits" in body
    assert "less than or equal to 1" in body and 'value="Typed name"' in body


def test_a_slug_taken_upstream_shows_upstreams_message_on_the_slug_field(
    client_for, admin, default_ws
):
    data = {"name": "Again", "slug": default_ws.slug, "io_logging_sampling_rate": "1"}
    response = client_for(admin).post(CREATE, data, **HTMX)
    body = _text(response)
    assert response.status_code == 422
    assert f"A workspace with slug {default_ws.slug} already exists" in body
    # On the field: its message sits inside the slug's label, not in the banner at the top.
    slug_label = body[body.index('for="id_slug"') :]
    assert slug_label.index("already exists") < slug_label.index("</label>")


def test_admin_edits_settings_patched_upstream_and_audited_before_after(
    client_for, admin, other_ws
):
    data = _settings(other_ws, description="New words", default_provider_sort="latency")
    response = client_for(admin).post(_url("detail", other_ws), data, **HTMX)
    assert response.status_code == 200 and _toast(response) == "Saved."
    assert 'id="workspace-settings"' in response.content.decode()
    upstream = SandboxWorkspace.objects.get(id=other_ws.workspace_id)
    assert upstream.description == "New words" and upstream.default_provider_sort == "latency"
    entry = AuditEntry.objects.get(action="workspace.update", target_id=other_ws.workspace_id)
    assert entry.before["description"] == other_ws.description
    assert entry.after["description"] == "New words"


@pytest.mark.parametrize(("fault", "message"), UPSTREAM_FAULTS)
def test_edit_upstream_errors_keep_the_form(
    client_for, admin, other_ws, upstream_fault, fault, message
):
    upstream_fault(fault)
    data = _settings(other_ws, description="Typed words")
    response = client_for(admin).post(_url("detail", other_ws), data, **HTMX)
    body = _text(response)
    assert response.status_code == 422 and message in body.lower() and "Typed words" in body
    assert Workspace.objects.get(pk=other_ws.pk).description == other_ws.description


# --- budgets -----------------------------------------------------------------------------


def test_budget_order_is_checked_before_upstream_with_upstreams_message(
    client_for, admin, other_ws, upstream_calls
):
    data = {"daily": "500", "weekly": "100", "monthly": "", "lifetime": ""}
    response = client_for(admin).post(_url("budgets", other_ws), data, **HTMX)
    body = _text(response)
    assert response.status_code == 422 and upstream_calls == []
    assert "The weekly budget ($100) must be greater than the daily budget ($500)" in body
    assert 'value="500"' in body


def test_budgets_saved_in_an_order_upstream_accepts_and_mirrored(client_for, admin, other_ws):
    current = {
        b.interval: b.limit_usd
        for b in WorkspaceBudget.objects.filter(workspace_id=other_ws.workspace_id)
    }
    # Raise the lifetime, cut the weekly, add a daily, drop the monthly.
    data = {
        "lifetime": str(current["lifetime"] + 100),
        "monthly": "",
        "weekly": str(current["weekly"] / 2),
        "daily": "3",
    }
    response = client_for(admin).post(_url("budgets", other_ws), data, **HTMX)
    assert response.status_code == 200, _text(response)
    assert _toast(response) == "Budgets saved."
    upstream = {
        b.interval: b.limit_usd
        for b in WorkspaceBudget.objects.filter(workspace_id=other_ws.workspace_id)
    }
    assert upstream == {
        "lifetime": current["lifetime"] + 100,
        "weekly": current["weekly"] / 2,
        "daily": 3.0,
    }
    mirrored = {
        b.interval or "lifetime": float(b.limit_usd)
        for b in Budget.objects.filter(kind="workspace", workspace_id=other_ws.workspace_id)
    }
    assert mirrored == upstream
    assert AuditEntry.objects.filter(action="workspace.budget_set").count() == 3
    assert AuditEntry.objects.filter(action="workspace.budget_remove").count() == 1


def test_a_budget_refused_part_way_says_what_was_applied(client_for, admin, other_ws, monkeypatch):
    from apps.gateway import workspaces as gateway_workspaces
    from apps.gateway.errors import UpstreamUnavailable

    real = gateway_workspaces.workspace_budget_set

    def fail_daily(organisation, workspace_id, interval, limit_usd):
        if interval == "daily":
            raise UpstreamUnavailable("OpenRouter is unavailable right now.")
        return real(organisation, workspace_id, interval, limit_usd)

    monkeypatch.setattr(gateway_workspaces, "workspace_budget_set", fail_daily)
    current = WorkspaceBudget.objects.get(workspace_id=other_ws.workspace_id, interval="lifetime")
    data = {"lifetime": str(current.limit_usd + 50), "daily": "2"}
    data |= {
        b.interval: str(b.limit_usd)
        for b in WorkspaceBudget.objects.filter(
            workspace_id=other_ws.workspace_id, interval__in=["monthly", "weekly"]
        )
    }
    response = client_for(admin).post(_url("budgets", other_ws), data, **HTMX)
    body = _text(response)
    assert response.status_code == 422
    assert "1 budgets saved: lifetime." in body and "Not applied (daily)" in body
    lifetime = Budget.objects.get(kind="workspace", workspace_id=other_ws.workspace_id, interval="")
    assert float(lifetime.limit_usd) == current.limit_usd + 50  # the mirror stays true
    assert not WorkspaceBudget.objects.filter(
        workspace_id=other_ws.workspace_id, interval="daily"
    ).exists()


# --- members -----------------------------------------------------------------------------


def test_admin_adds_members_in_bulk_from_the_searchable_list(
    client_for, admin, other_ws, outside_member_id
):
    client = client_for(admin)
    page = _text(client.get(_url("detail", other_ws)))
    panel = page[page.index('id="workspace-add-members"') :]
    assert f'value="{outside_member_id}"' in panel
    narrowed = _text(client.get(_url("members_add", other_ws), {"q": "zzz-nobody"}, **HTMX))
    assert narrowed.strip().startswith('<fieldset id="member-choices">')
    assert "No member to add" in narrowed
    response = client.post(_url("members_add", other_ws), {"user_ids": [outside_member_id]}, **HTMX)
    assert response.headers["HX-Redirect"] == _url("detail", other_ws)
    assert WorkspaceMembership.objects.filter(
        workspace_id=other_ws.workspace_id, user_id=outside_member_id
    ).exists()
    assert WorkspaceMember.objects.filter(
        workspace_id=other_ws.workspace_id, user_id=outside_member_id
    ).exists()
    assert AuditEntry.objects.filter(action="workspace.members_add").exists()


def test_adding_nobody_is_refused_in_place(client_for, admin, other_ws, upstream_calls):
    response = client_for(admin).post(_url("members_add", other_ws), {}, **HTMX)
    body = _text(response)
    assert response.status_code == 422 and "Pick at least one member." in body
    assert body.strip().startswith('<div id="workspace-add-members"')
    assert upstream_calls == []


def test_removing_a_member_who_owns_keys_shows_upstreams_refusal_and_keeps_them(
    client_for, admin, other_ws
):
    owner_id = (
        Key.objects.filter(workspace_id=other_ws.workspace_id, disabled=False)
        .exclude(creator_user_id="")
        .values_list("creator_user_id", flat=True)
        .first()
    )
    WorkspaceMembership.objects.get_or_create(
        workspace_id=other_ws.workspace_id, user_id=owner_id, defaults={"role": "member"}
    )
    WorkspaceMember.objects.get_or_create(
        organisation=other_ws.organisation, workspace_id=other_ws.workspace_id, user_id=owner_id
    )
    response = client_for(admin).post(
        _url("members_remove", other_ws), {"user_ids": [owner_id]}, **HTMX
    )
    assert response.status_code >= 400 and "own active API keys" in _toast(response)
    assert WorkspaceMember.objects.filter(
        workspace_id=other_ws.workspace_id, user_id=owner_id
    ).exists()


def test_admin_removes_a_member_and_the_members_partial_comes_back(client_for, admin, other_ws):
    keyless = next(
        m
        for m in WorkspaceMember.objects.filter(workspace_id=other_ws.workspace_id)
        if not Key.objects.filter(
            workspace_id=other_ws.workspace_id, creator_user_id=m.user_id, disabled=False
        ).exists()
    )
    response = client_for(admin).post(
        _url("members_remove", other_ws), {"user_ids": [keyless.user_id]}, **HTMX
    )
    assert response.status_code == 200 and "1 members removed" in _toast(response)
    assert 'id="workspace-members"' in response.content.decode()
    assert not WorkspaceMembership.objects.filter(
        workspace_id=other_ws.workspace_id, user_id=keyless.user_id
    ).exists()


# --- delete ------------------------------------------------------------------------------


def test_delete_is_refused_before_upstream_while_the_workspace_has_keys(
    client_for, admin, other_ws, upstream_calls
):
    client = client_for(admin)
    page = _text(client.get(_url("detail", other_ws)))
    assert 'data-testid="delete-refused"' in page and _url("delete", other_ws) not in page
    dialog = _text(client.get(_url("delete", other_ws), **HTMX))
    key = Key.objects.filter(workspace_id=other_ws.workspace_id).order_by("name").first()
    assert 'data-testid="delete-blocked"' in dialog and key.name in dialog
    response = client.post(_url("delete", other_ws), {"confirm": other_ws.name}, **HTMX)
    body = _text(response)
    assert response.status_code == 422 and upstream_calls == []
    confirm_label = body[body.index('for="id_confirm"') :]
    assert confirm_label.index("still has API keys") < confirm_label.index("</label>")
    assert SandboxWorkspace.objects.filter(id=other_ws.workspace_id).exists()


def test_delete_needs_the_name_typed(client_for, admin, empty_ws):
    response = client_for(admin).post(_url("delete", empty_ws), {"confirm": "nope"}, **HTMX)
    assert response.status_code == 422 and "Type Scratch exactly" in _text(response)
    assert Workspace.objects.filter(pk=empty_ws.pk).exists()


def test_admin_deletes_an_empty_workspace_upstream_mirror_and_audit(client_for, admin, empty_ws):
    response = client_for(admin).post(_url("delete", empty_ws), {"confirm": "Scratch"}, **HTMX)
    assert response.headers["HX-Redirect"] == LIST
    assert not SandboxWorkspace.objects.filter(id=empty_ws.workspace_id).exists()
    assert not Workspace.objects.filter(pk=empty_ws.pk).exists()
    assert AuditEntry.objects.get(action="workspace.delete").before["slug"] == "scratch"


# --- drift -------------------------------------------------------------------------------


def test_a_change_made_outside_the_console_is_mirrored_and_audited_as_such(mirrored, other_ws):
    SandboxWorkspace.objects.filter(id=other_ws.workspace_id).update(description="Edited outside")
    assert sync_run(mirrored, "workspaces").run.ok
    assert Workspace.objects.get(pk=other_ws.pk).description == "Edited outside"
    entry = AuditEntry.objects.get(action="workspace.outside_update")
    assert entry.actor_label == "outside the console" and entry.actor is None
    assert entry.before == {"description": other_ws.description}
    assert entry.after == {"description": "Edited outside"}
    # Nothing changed since: the next sync records nothing.
    assert sync_run(mirrored, "workspaces").run.ok
    assert AuditEntry.objects.filter(action__startswith="workspace.outside").count() == 1


def test_console_changes_are_not_mistaken_for_outside_ones(client_for, admin, mirrored, other_ws):
    data = _settings(other_ws, description="Edited here")
    assert client_for(admin).post(_url("detail", other_ws), data, **HTMX).status_code == 200
    assert sync_run(mirrored, "workspaces").run.ok
    assert not AuditEntry.objects.filter(action__startswith="workspace.outside").exists()


def test_admin_sets_up_the_default_guardrail_then_edits_it_on_its_page(
    client_for, admin, other_ws, sandbox_account
):
    from apps.guardrails.models import Guardrail
    from apps.sandbox.models import Guardrail as SandboxGuardrail

    client = client_for(admin)
    assert "Set up the default guardrail" in _text(client.get(_url("detail", other_ws)))
    response = client.post(_url("default_guardrail", other_ws), **HTMX)
    url = reverse("guardrails:detail", args=[other_ws.default_guardrail_id])
    assert response.headers["HX-Redirect"] == url
    assert SandboxGuardrail.objects.filter(id=other_ws.default_guardrail_id).exists()
    g = Guardrail.objects.get(guardrail_id=other_ws.default_guardrail_id)
    assert g.name == f"{other_ws.name} default"
    page = _text(client.get(url))
    assert "The default guardrail of" in page and "it applies to every key and member" in page
    assert f'href="{url}"' in _text(client.get(_url("detail", other_ws)))


def test_finance_cannot_set_up_a_default_guardrail(client_for, finance, other_ws):
    assert client_for(finance).post(_url("default_guardrail", other_ws)).status_code == 403


def test_a_budget_already_spent_names_the_keys_it_would_stop_until_confirmed(
    client_for, admin, organisation
):
    for stream in ("workspaces", "keys"):
        assert sync_run(organisation, stream).run.ok
    ws = Workspace.objects.filter(organisation=organisation).order_by("name").first()
    key = Key.objects.filter(organisation=organisation, workspace_id=ws.workspace_id).first()
    SpendFact.objects.filter(organisation=organisation).delete()
    SpendFact.objects.create(
        organisation=organisation,
        date=utc_today() - timedelta(days=utc_today().day > 1),  # this month, in the last days
        workspace_id=ws.workspace_id,
        key_hash=key.hash,
        model="anthropic/claude-sonnet-4.5",
        usage_micros=12_000_000,
    )
    url = reverse("workspaces:budgets", args=[ws.workspace_id])
    client = client_for(admin)
    response = client.post(url, {"monthly": "10"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 422
    assert "This change would block 1 key that called anthropic/claude-sonnet-4.5" in body
    assert "the monthly limit $10.00 is already spent ($12.00)" in body and key.name in body
    assert not Budget.objects.filter(
        organisation=organisation, workspace_id=ws.workspace_id, interval="monthly"
    ).exists()  # nothing sent
    # A limit above the spend goes through without a word; so does the same one confirmed.
    assert client.post(url, {"monthly": "50"}, HTTP_HX_REQUEST="true").status_code == 200
    confirmed = client.post(url, {"monthly": "10", "accept_blocking": "on"}, HTTP_HX_REQUEST="true")
    assert confirmed.status_code == 200
    budget = Budget.objects.get(
        organisation=organisation, workspace_id=ws.workspace_id, interval="monthly"
    )
    assert budget.limit_usd == 10

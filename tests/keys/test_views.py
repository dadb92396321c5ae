from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.keys.models import Key, KeyPolicy, KeyRequest, KeyRotation
from apps.keys.services import requests as request_services
from apps.sandbox.models import ApiKey
from apps.syncs.runner import sync_run
from apps.workspaces.selectors import workspace_choices

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _toast(response) -> str:
    return json.loads(response.headers.get("HX-Trigger", "{}")).get("toast", {}).get("message", "")


# --- list -------------------------------------------------------------------------------------


def test_admin_sees_every_key_with_sync_status(client_for, admin, synced, organisation):
    response = client_for(admin).get(reverse("keys:list"))
    assert response.status_code == 200
    body = response.content.decode()
    for key in Key.objects.filter(organisation=organisation):
        assert key.name in body
    assert "Synced" in body and "Refresh now" in body


def test_finance_sees_keys_read_only(client_for, finance, synced):
    body = client_for(finance).get(reverse("keys:list")).content.decode()
    assert "Disable</button>" not in body and "Delete</a>" not in body
    assert "New key" not in body


def test_member_cannot_see_all_keys(client_for, member, synced):
    assert client_for(member).get(reverse("keys:list")).status_code == 403


def test_outsider_sees_only_their_own_organisation(client_for, outsider, synced, organisation):
    body = client_for(outsider).get(reverse("keys:list")).content.decode()
    for key in Key.objects.filter(organisation=organisation):
        assert key.hash not in body


def test_search_as_you_type_returns_only_results_partial(client_for, admin, synced, organisation):
    key = Key.objects.filter(organisation=organisation).first()
    response = client_for(admin).get(reverse("keys:list"), {"q": key.name[:6].upper()}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="key-results"' in body and "<html" not in body
    assert key.name in body
    others = Key.objects.filter(organisation=organisation).exclude(name__icontains=key.name[:6])
    for other in others:
        assert f'id="key-{other.hash}"' not in body


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("disabled", "disabled"),
        ("expired", "expired"),
        ("expiring", "expiring"),
        ("near_limit", "near"),
    ],
)
def test_state_filters(client_for, admin, synced, organisation, state, expected):
    now = timezone.now()
    keys = list(Key.objects.filter(organisation=organisation).order_by("id"))
    Key.objects.filter(organisation=organisation).update(
        disabled=False, expires_at=None, limit_used_ratio=None
    )
    target = keys[0]
    changes = {
        "disabled": {"disabled": True},
        "expired": {"expires_at": now - timedelta(days=1)},
        "expiring": {"expires_at": now + timedelta(days=3)},
        "near": {"limit_used_ratio": 0.85},
    }[expected]
    Key.objects.filter(pk=target.pk).update(**changes)
    body = client_for(admin).get(reverse("keys:list"), {"state": state}, **HTMX).content.decode()
    assert f'id="key-{target.hash}"' in body
    assert all(f'id="key-{k.hash}"' not in body for k in keys[1:])


def test_filter_by_workspace_and_creator(client_for, admin, synced, organisation):
    key = Key.objects.filter(organisation=organisation).exclude(workspace_id="").first()
    Key.objects.filter(pk=key.pk).update(creator_label="someone@acme.test")
    params = {"workspace": key.workspace_id, "creator": "someone@acme.test"}
    body = client_for(admin).get(reverse("keys:list"), params, **HTMX).content.decode()
    assert f'id="key-{key.hash}"' in body
    assert body.count('<tr id="key-') == 1


def test_sorts_and_keyset_pages_cover_every_key_once(
    client_for, admin, synced, organisation, monkeypatch
):
    monkeypatch.setattr("apps.keys.selectors.PAGE_SIZE", 3)
    client = client_for(admin)
    for sort in (
        "name",
        "created",
        "last_used",
        "usage_day",
        "usage_week",
        "usage_month",
        "remaining",
    ):
        seen, after = [], ""
        for _ in range(20):
            params = {"sort": sort} | ({"after": after} if after else {})
            response = client.get(reverse("keys:list"), params)
            page = response.context["keys"]
            seen += [k.hash for k in page]
            after = response.context["next_cursor"]
            if not after:
                break
        assert sorted(seen) == sorted(
            Key.objects.filter(organisation=organisation).values_list("hash", flat=True)
        ), sort


def test_load_more_returns_rows_partial(client_for, admin, synced, monkeypatch):
    monkeypatch.setattr("apps.keys.selectors.PAGE_SIZE", 2)
    first = client_for(admin).get(reverse("keys:list"))
    cursor = first.context["next_cursor"]
    response = client_for(admin).get(reverse("keys:list"), {"after": cursor}, **HTMX)
    assert response.status_code == 200
    assert 'id="key-results"' not in response.content.decode()
    assert response.content.decode().count('<tr id="key-') == 2


def test_bad_cursor_is_ignored(client_for, admin, synced):
    response = client_for(admin).get(reverse("keys:list"), {"after": "%%%"})
    assert response.status_code == 200


# --- sync -------------------------------------------------------------------------------------


def test_list_reloads_its_results_when_a_sync_it_waited_for_ends(client_for, admin, synced):
    body = client_for(admin).get(reverse("keys:list")).content.decode()
    assert 'hx-trigger="synced from:body"' in body
    assert 'data-testid="sync-keys"' in body and "Refresh now" in body


def test_failed_sync_is_shown_on_the_list(client_for, admin, synced, organisation, upstream_fault):
    upstream_fault("503")
    sync_run(organisation, "keys")
    body = client_for(admin).get(reverse("keys:list")).content.decode()
    assert "Last attempt failed" in body and "unavailable" in body


# --- create -----------------------------------------------------------------------------------


def _create_data(**overrides):
    data = {
        "name": "new-service",
        "workspace_id": "",
        "limit": "12.50",
        "limit_reset": "monthly",
        "expires_at": "",
    }
    data.update(overrides)
    return data


def test_admin_creates_key_and_sees_secret_once(client_for, admin, synced, organisation):
    ws_id, _name = workspace_choices(organisation)[1]
    data = _create_data(
        workspace_id=ws_id,
        expires_at=(timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S"),
    )
    response = client_for(admin).post(reverse("keys:create"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "sk-or-v1-" in body and "only once" in body
    assert "no-store" in response.headers.get("Cache-Control", "")
    key = Key.objects.get(organisation=organisation, name="new-service")
    assert key.workspace_id == ws_id and key.limit == 12.5
    detail = client_for(admin).get(reverse("keys:detail", args=[key.hash])).content.decode()
    assert "sk-or-v1-" not in detail.replace(key.label, "")


def test_create_htmx_returns_reveal_partial(client_for, admin, synced):
    response = client_for(admin).post(reverse("keys:create"), _create_data(), **HTMX)
    assert "sk-or-v1-" in response.content.decode() and "<html" not in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("limit", "-5", "cannot be negative"),
        ("limit", "lots", "number of US dollars"),
        ("expires_at", "2020-01-01T10:00:00", "in the future"),
        ("expires_at", "2030-01-01", "to the second"),
        ("name", "", "required"),
    ],
)
def test_create_bad_input_keeps_values_and_explains(
    client_for, admin, synced, field, value, message
):
    response = client_for(admin).post(
        reverse("keys:create"), _create_data(**{field: value}), **HTMX
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert message in body
    assert 'value="new-service"' in body or field == "name"


def test_create_duplicate_name_is_a_field_error(client_for, admin, synced, organisation):
    existing = Key.objects.filter(organisation=organisation).first()
    response = client_for(admin).post(reverse("keys:create"), _create_data(name=existing.name))
    assert response.status_code == 422
    assert "already exists" in response.content.decode()


@pytest.mark.parametrize("fault", ["409", "429", "503"])
def test_create_upstream_error_shown_at_top_with_values_kept(
    client_for, admin, synced, upstream_fault, organisation, fault
):
    upstream_fault(fault)
    response = client_for(admin).post(reverse("keys:create"), _create_data(), **HTMX)
    assert response.status_code == 422
    body = response.content.decode()
    assert "flash-error" in body and 'value="new-service"' in body
    assert not Key.objects.filter(organisation=organisation, name="new-service").exists()


def test_finance_and_member_cannot_create(client_for, finance, member, synced):
    assert client_for(finance).post(reverse("keys:create"), _create_data()).status_code == 403
    assert client_for(member).get(reverse("keys:create")).status_code == 403


# --- detail and inline actions -----------------------------------------------------------------


def test_detail_shows_metadata_usage_and_history(client_for, admin, some_key):
    client_for(admin).post(reverse("keys:toggle", args=[some_key.hash]), {"disabled": "true"})
    response = client_for(admin).get(reverse("keys:detail", args=[some_key.hash]))
    body = response.content.decode()
    assert some_key.name in body and "key.disable" in body and "Usage over time" in body
    assert response.context["series"]


def test_detail_htmx_partial(client_for, finance, some_key):
    response = client_for(finance).get(reverse("keys:detail", args=[some_key.hash]), **HTMX)
    assert (
        'id="key-detail"' in response.content.decode() and "<html" not in response.content.decode()
    )


def test_member_cannot_open_someone_elses_key(client_for, member, some_key):
    assert client_for(member).get(reverse("keys:detail", args=[some_key.hash])).status_code == 404


def test_outsider_gets_404_for_our_key(client_for, outsider, some_key):
    for name in ("detail", "rename", "delete", "rotate"):
        assert (
            client_for(outsider).get(reverse(f"keys:{name}", args=[some_key.hash])).status_code
            == 404
        )
    assert (
        client_for(outsider).post(reverse("keys:toggle", args=[some_key.hash])).status_code == 404
    )


def test_inline_disable_and_enable_return_the_row(client_for, admin, some_key):
    client = client_for(admin)
    response = client.post(
        reverse("keys:toggle", args=[some_key.hash]), {"disabled": "true"}, **HTMX
    )
    assert response.status_code == 200
    assert (
        f'id="key-{some_key.hash}"' in response.content.decode()
        and "Enable" in response.content.decode()
    )
    assert ApiKey.objects.get(hash=some_key.hash).disabled
    response = client.post(reverse("keys:toggle", args=[some_key.hash]), {"disabled": "false"})
    assert response.status_code == 302
    assert not ApiKey.objects.get(hash=some_key.hash).disabled


def test_toggle_upstream_failure_is_reported(client_for, admin, some_key, upstream_fault):
    upstream_fault("500")
    response = client_for(admin).post(
        reverse("keys:toggle", args=[some_key.hash]), {"disabled": "true"}, **HTMX
    )
    assert response.status_code == 502 and _toast(response)
    assert not Key.objects.get(pk=some_key.pk).disabled


def test_finance_cannot_toggle(client_for, finance, some_key):
    assert client_for(finance).post(reverse("keys:toggle", args=[some_key.hash])).status_code == 403


def test_inline_rename(client_for, admin, some_key):
    client = client_for(admin)
    form = client.get(reverse("keys:rename", args=[some_key.hash]), **HTMX)
    assert 'name="name"' in form.content.decode() and "<html" not in form.content.decode()
    response = client.post(
        reverse("keys:rename", args=[some_key.hash]), {"name": "fresh-name"}, **HTMX
    )
    assert "fresh-name" in response.content.decode()
    assert ApiKey.objects.get(hash=some_key.hash).name == "fresh-name"


def test_rename_to_taken_name_is_refused(client_for, admin, some_key, organisation):
    other = Key.objects.filter(organisation=organisation).exclude(pk=some_key.pk).first()
    response = client_for(admin).post(
        reverse("keys:rename", args=[some_key.hash]), {"name": other.name}, **HTMX
    )
    assert response.status_code == 422 and "already exists" in response.content.decode()


def test_delete_asks_for_the_name(client_for, admin, some_key):
    client = client_for(admin)
    modal = client.get(reverse("keys:delete", args=[some_key.hash]), **HTMX)
    assert "<dialog" in modal.content.decode()
    wrong = client.post(
        reverse("keys:delete", args=[some_key.hash]), {"confirm_name": "nope"}, **HTMX
    )
    assert wrong.status_code == 422 and "not the key" in wrong.content.decode()
    assert Key.objects.filter(pk=some_key.pk).exists()
    ok = client.post(
        reverse("keys:delete", args=[some_key.hash]), {"confirm_name": some_key.name}, **HTMX
    )
    assert ok.status_code == 200 and 'hx-swap-oob="delete"' in ok.content.decode()
    assert not Key.objects.filter(pk=some_key.pk).exists()
    assert ApiKey.objects.get(hash=some_key.hash).deleted_at is not None


def test_delete_full_page_redirects(client_for, owner, some_key):
    response = client_for(owner).post(
        reverse("keys:delete", args=[some_key.hash]), {"confirm_name": some_key.name}
    )
    assert response.status_code == 302


def test_finance_cannot_delete(client_for, finance, some_key):
    assert (
        client_for(finance)
        .post(reverse("keys:delete", args=[some_key.hash]), {"confirm_name": some_key.name})
        .status_code
        == 403
    )


# --- rotation ---------------------------------------------------------------------------------


def test_rotate_reveals_successor_and_schedules_switch(client_for, admin, some_key):
    response = client_for(admin).post(
        reverse("keys:rotate", args=[some_key.hash]), {"transition_hours": "24", "then": "disable"}
    )
    assert response.status_code == 200 and "sk-or-v1-" in response.content.decode()
    rotation = KeyRotation.objects.get(old_key_hash=some_key.hash)
    assert rotation.status == "scheduled"
    detail = client_for(admin).get(reverse("keys:detail", args=[some_key.hash])).content.decode()
    assert "Scheduled" in detail and "Cancel" in detail


def test_rotate_htmx_form_errors(client_for, admin, some_key):
    response = client_for(admin).post(
        reverse("keys:rotate", args=[some_key.hash]),
        {"transition_hours": "-1", "then": "disable"},
        **HTMX,
    )
    assert response.status_code == 422 and "<html" not in response.content.decode()


def test_rotate_upstream_failure_leaves_old_key(client_for, admin, some_key, upstream_fault):
    upstream_fault("503")
    response = client_for(admin).post(
        reverse("keys:rotate", args=[some_key.hash]), {"transition_hours": "1", "then": "delete"}
    )
    assert response.status_code == 422 and "flash-error" in response.content.decode()
    assert not KeyRotation.objects.exists()
    assert Key.objects.filter(pk=some_key.pk, disabled=False).exists()


def test_cancel_rotation(client_for, admin, some_key):
    client_for(admin).post(
        reverse("keys:rotate", args=[some_key.hash]), {"transition_hours": "1", "then": "delete"}
    )
    rotation = KeyRotation.objects.get()
    response = client_for(admin).post(reverse("keys:rotation_cancel", args=[rotation.pk]), **HTMX)
    assert response.status_code == 200 and "Cancelled" in response.content.decode()
    again = client_for(admin).post(reverse("keys:rotation_cancel", args=[rotation.pk]), **HTMX)
    assert again.status_code == 409


def test_finance_cannot_rotate_and_outsider_cannot_cancel(
    client_for, admin, finance, outsider, some_key
):
    assert client_for(finance).get(reverse("keys:rotate", args=[some_key.hash])).status_code == 403
    client_for(admin).post(
        reverse("keys:rotate", args=[some_key.hash]), {"transition_hours": "1", "then": "disable"}
    )
    rotation = KeyRotation.objects.get()
    assert (
        client_for(outsider).post(reverse("keys:rotation_cancel", args=[rotation.pk])).status_code
        == 404
    )


# --- hygiene ----------------------------------------------------------------------------------


def test_hygiene_lists_keys_without_limit(client_for, finance, synced, organisation):
    Key.objects.filter(organisation=organisation).update(disabled=False, expires_at=None)
    unlimited = Key.objects.filter(organisation=organisation, limit__isnull=True).first()
    response = client_for(finance).get(reverse("keys:hygiene"), {"check": "no_limit"})
    assert unlimited.name in response.content.decode()
    assert "Preview" not in response.content.decode()  # finance: read-only


def test_hygiene_htmx_partial_and_checks(client_for, admin, synced):
    for check in ("no_expiry", "unused_30", "unused_90", "expiring", "bogus"):
        response = client_for(admin).get(reverse("keys:hygiene"), {"check": check}, **HTMX)
        assert response.status_code == 200 and 'id="hygiene-results"' in response.content.decode()


def test_member_cannot_see_hygiene(client_for, member):
    assert client_for(member).get(reverse("keys:hygiene")).status_code == 403


def test_bulk_preview_then_apply(client_for, admin, synced, organisation):
    keys = list(Key.objects.filter(organisation=organisation)[:2])
    data = {
        "action": "set_limit",
        "limit": "3",
        "limit_reset": "daily",
        "hashes": [k.hash for k in keys],
    }
    preview = client_for(admin).post(reverse("keys:hygiene_bulk"), data, **HTMX)
    body = preview.content.decode()
    assert "Preview: 2 keys will change" in body and "$3.00 daily" in body
    assert not AuditEntry.objects.filter(action="key.set_limit").exists()
    applied = client_for(admin).post(
        reverse("keys:hygiene_bulk"), data | {"confirm": "yes"}, **HTMX
    )
    assert "2 done" in _toast(applied)
    assert AuditEntry.objects.filter(action="key.set_limit").count() == 2


def test_bulk_ignores_other_organisations_keys(client_for, outsider, synced, organisation):
    key = Key.objects.filter(organisation=organisation).first()
    data = {"action": "delete", "hashes": [key.hash], "confirm": "yes"}
    response = client_for(outsider).post(reverse("keys:hygiene_bulk"), data, **HTMX)
    assert response.status_code == 422
    assert Key.objects.filter(pk=key.pk).exists()


def test_bulk_set_limit_needs_a_limit(client_for, admin, synced, organisation):
    key = Key.objects.filter(organisation=organisation).first()
    response = client_for(admin).post(
        reverse("keys:hygiene_bulk"), {"action": "set_limit", "hashes": [key.hash]}, **HTMX
    )
    assert response.status_code == 422 and "Give the limit" in response.content.decode()


def test_finance_cannot_bulk(client_for, finance, some_key):
    response = client_for(finance).post(
        reverse("keys:hygiene_bulk"), {"action": "disable", "hashes": [some_key.hash]}
    )
    assert response.status_code == 403


# --- requests ---------------------------------------------------------------------------------


def _ask(client, **overrides):
    data = {
        "name": "my-notebook",
        "purpose": "data exploration",
        "workspace_id": "",
        "limit": "10",
        "limit_reset": "monthly",
        "expires_at": "",
    }
    data.update(overrides)
    return client.post(reverse("keys:request_new"), data)


def test_member_requests_admin_approves_member_reveals_once(
    client_for, member, admin, synced, organisation
):
    member_client, admin_client = client_for(member), client_for(admin)
    assert _ask(member_client).status_code == 302
    req = KeyRequest.objects.get(organisation=organisation)
    badge = admin_client.get(reverse("keys:badge"), **HTMX).content.decode()
    assert ">1<" in badge
    queue = admin_client.get(reverse("keys:requests")).content.decode()
    assert "my-notebook" in queue
    response = admin_client.post(
        reverse("keys:request_approve", args=[req.pk]),
        {"limit": "8", "limit_reset": "weekly", "expires_at": ""},
        **HTMX,
    )
    assert response.status_code == 200
    assert 'hx-swap-oob="true"' in response.content.decode()  # the badge count updates
    req.refresh_from_db()
    assert req.status == "approved" and req.limit == 8.0
    mine = member_client.get(reverse("keys:mine")).content.decode()
    assert "Reveal key" in mine
    first = member_client.post(reverse("keys:request_reveal", args=[req.pk]), **HTMX)
    assert first.status_code == 200 and "sk-or-v1-" in first.content.decode()
    second = member_client.post(reverse("keys:request_reveal", args=[req.pk]), **HTMX)
    assert second.status_code == 410 and "already revealed" in second.content.decode()
    assert "sk-or-v1-" not in second.content.decode()


def test_request_form_htmx_errors_and_redirect(client_for, member, synced):
    client = client_for(member)
    bad = client.post(
        reverse("keys:request_new"), {"name": "x", "purpose": "", "limit": "-1"}, **HTMX
    )
    assert bad.status_code == 422 and "cannot be negative" in bad.content.decode()
    good = client.post(
        reverse("keys:request_new"),
        {"name": "x", "purpose": "y", "limit": "1", "limit_reset": ""},
        **HTMX,
    )
    assert good.headers["HX-Redirect"] == reverse("keys:mine")


def test_auto_approved_request_is_ready_to_reveal(client_for, member, synced, organisation):
    KeyPolicy.objects.create(organisation=organisation, auto_approve_limit=10)
    _ask(client_for(member))
    req = KeyRequest.objects.get()
    assert req.status == "approved" and req.auto_approved
    assert ">1<" in client_for(member).get(reverse("keys:badge")).content.decode()


def test_approval_with_upstream_failure_stays_pending_and_says_why(
    client_for, member, admin, synced, upstream_fault
):
    _ask(client_for(member))
    req = KeyRequest.objects.get()
    upstream_fault("503")
    response = client_for(admin).post(
        reverse("keys:request_approve", args=[req.pk]),
        {"limit": "10", "limit_reset": "monthly"},
        **HTMX,
    )
    assert response.status_code == 422
    assert "still pending" in response.content.decode()
    req.refresh_from_db()
    assert req.status == "pending" and req.failure_message


def test_reject_needs_a_reason(client_for, member, admin, synced):
    _ask(client_for(member))
    req = KeyRequest.objects.get()
    empty = client_for(admin).post(
        reverse("keys:request_reject", args=[req.pk]), {"reason": ""}, **HTMX
    )
    assert empty.status_code == 422
    done = client_for(admin).post(
        reverse("keys:request_reject", args=[req.pk]), {"reason": "no budget"}
    )
    assert done.status_code == 302
    req.refresh_from_db()
    assert req.status == "rejected" and req.decision_reason == "no budget"
    assert "no budget" in client_for(member).get(reverse("keys:mine")).content.decode()


def test_request_detail_page_and_partial(client_for, member, owner, synced):
    _ask(client_for(member))
    req = KeyRequest.objects.get()
    page = client_for(owner).get(reverse("keys:request_detail", args=[req.pk]))
    assert "data exploration" in page.content.decode()
    partial = client_for(owner).get(reverse("keys:request_detail", args=[req.pk]), **HTMX)
    assert "<html" not in partial.content.decode()


def test_only_approvers_see_the_queue(client_for, member, finance, synced):
    _ask(client_for(member))
    req = KeyRequest.objects.get()
    for user in (member, finance):
        client = client_for(user)
        assert client.get(reverse("keys:requests")).status_code == 403
        assert client.post(reverse("keys:request_approve", args=[req.pk])).status_code == 403


def test_outsider_cannot_touch_our_requests(client_for, member, outsider, synced):
    _ask(client_for(member))
    req = KeyRequest.objects.get()
    client = client_for(outsider)
    assert client.get(reverse("keys:request_detail", args=[req.pk])).status_code == 404
    assert client.post(reverse("keys:request_approve", args=[req.pk])).status_code == 404
    assert client.post(reverse("keys:request_reveal", args=[req.pk])).status_code == 404


def test_another_member_cannot_reveal(client_for, member, admin, synced, organisation):
    from tests.factories import MembershipFactory, UserFactory

    _ask(client_for(member))
    req = KeyRequest.objects.get()
    client_for(admin).post(
        reverse("keys:request_approve", args=[req.pk]), {"limit": "10", "limit_reset": "monthly"}
    )
    colleague = MembershipFactory(
        organisation=organisation, role="member", user=UserFactory(email="c@acme.test")
    ).user
    assert (
        client_for(colleague).post(reverse("keys:request_reveal", args=[req.pk])).status_code == 404
    )
    # An admin cannot read the secret either.
    assert client_for(admin).post(reverse("keys:request_reveal", args=[req.pk])).status_code == 404


def test_policy_settings(client_for, admin, finance, organisation):
    response = client_for(admin).post(reverse("keys:policy"), {"auto_approve_limit": "25"}, **HTMX)
    assert response.status_code == 200 and _toast(response) == "Saved."
    assert KeyPolicy.objects.get(organisation=organisation).auto_approve_limit == 25
    assert client_for(admin).get(reverse("keys:policy")).status_code == 200
    bad = client_for(admin).post(reverse("keys:policy"), {"auto_approve_limit": "-1"})
    assert bad.status_code == 422
    assert client_for(finance).get(reverse("keys:policy")).status_code == 403


# --- member self-service -----------------------------------------------------------------------


def _own_key(member, admin, actor_for) -> Key:
    req = request_services.key_request_create(
        actor_for(member), purpose="p", name="mine-1", limit=5.0, limit_reset="daily"
    )
    req = request_services.key_request_approve(actor_for(admin), req)
    return Key.objects.get(hash=req.key_hash)


def test_member_sees_only_own_keys(client_for, member, admin, synced, actor_for, organisation):
    key = _own_key(member, admin, actor_for)
    response = client_for(member).get(reverse("keys:mine"))
    body = response.content.decode()
    assert key.name in body
    for other in Key.objects.filter(organisation=organisation).exclude(pk=key.pk):
        assert other.name not in body
    assert client_for(member).get(reverse("keys:detail", args=[key.hash])).status_code == 200
    partial = client_for(member).get(reverse("keys:mine"), **HTMX)
    assert 'id="mine"' in partial.content.decode() and "<html" not in partial.content.decode()


def test_member_disables_own_key(client_for, member, admin, synced, actor_for):
    key = _own_key(member, admin, actor_for)
    response = client_for(member).post(reverse("keys:disable_own", args=[key.hash]), **HTMX)
    assert response.status_code == 200 and "disabled" in response.content.decode()
    assert ApiKey.objects.get(hash=key.hash).disabled


def test_member_cannot_disable_others_keys(client_for, member, some_key, outsider):
    assert (
        client_for(member).post(reverse("keys:disable_own", args=[some_key.hash])).status_code
        == 404
    )
    assert (
        client_for(outsider).post(reverse("keys:disable_own", args=[some_key.hash])).status_code
        == 404
    )


def test_member_asks_for_higher_limit(client_for, member, admin, synced, actor_for):
    key = _own_key(member, admin, actor_for)
    client = client_for(member)
    assert client.get(reverse("keys:increase", args=[key.hash])).status_code == 200
    bad = client.post(
        reverse("keys:increase", args=[key.hash]), {"limit": "x", "purpose": "more"}, **HTMX
    )
    assert bad.status_code == 422
    response = client.post(
        reverse("keys:increase", args=[key.hash]),
        {"limit": "40", "limit_reset": "daily", "purpose": "more"},
    )
    assert response.status_code == 302
    req = KeyRequest.objects.get(kind="increase")
    assert req.key_hash == key.hash and req.limit == 40.0


def test_member_cannot_ask_more_on_others_key(client_for, member, some_key):
    assert client_for(member).get(reverse("keys:increase", args=[some_key.hash])).status_code == 404


def test_nav_shows_keys_link(client_for, member, admin, organisation):
    assert (
        reverse("keys:mine") in client_for(member).get(reverse("dashboard:home")).content.decode()
    )
    assert reverse("keys:list") in client_for(admin).get(reverse("dashboard:home")).content.decode()


def test_badge_for_member_counts_reveals(client_for, member, synced):
    response = client_for(member).get(reverse("keys:badge"), **HTMX)
    assert response.status_code == 200 and 'id="keys-badge"' in response.content.decode()


def test_key_url_filter_matches_reverse(some_key):
    from apps.keys.templatetags.keys_tags import key_url

    assert key_url(some_key.hash) == reverse("keys:detail", args=[some_key.hash])
    for action in ("toggle", "rename", "delete", "rotate", "disable_own"):
        assert key_url(some_key.hash, action) == reverse(f"keys:{action}", args=[some_key.hash])


def test_reveal_without_javascript_shows_a_full_page(client_for, member, admin, synced, actor_for):
    req = request_services.key_request_create(
        actor_for(member), purpose="p", name="nojs", limit=1.0
    )
    request_services.key_request_approve(actor_for(admin), req)
    first = client_for(member).post(reverse("keys:request_reveal", args=[req.pk]))
    assert first.status_code == 200
    assert "<html" in first.content.decode() and "sk-or-v1-" in first.content.decode()
    second = client_for(member).post(reverse("keys:request_reveal", args=[req.pk]))
    assert second.status_code == 410 and "already revealed" in second.content.decode()


def test_bulk_without_javascript_shows_preview_page(client_for, admin, synced, organisation):
    key = Key.objects.filter(organisation=organisation).first()
    response = client_for(admin).post(
        reverse("keys:hygiene_bulk"), {"action": "disable", "hashes": [key.hash]}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" in body and "Preview: 1 key will change" in body


def test_new_creator_is_offered_in_the_filter_at_once(client_for, admin, synced):
    client_for(admin).post(reverse("keys:create"), _create_data())
    body = client_for(admin).get(reverse("keys:list")).content.decode()
    assert f'<option value="{admin.email}"' in body


def test_delete_from_the_detail_page_goes_back_to_the_list(client_for, admin, some_key):
    detail = "http://testserver" + reverse("keys:detail", args=[some_key.hash])
    client = client_for(admin)
    response = client.post(
        reverse("keys:delete", args=[some_key.hash]),
        {"confirm_name": some_key.name},
        HTTP_HX_CURRENT_URL=detail,
        **HTMX,
    )
    assert response.headers["HX-Redirect"] == reverse("keys:list")
    assert not Key.objects.filter(pk=some_key.pk).exists()
    # The toast would be lost with the page: the message waits for the list instead.
    landed = client.get(reverse("keys:list")).content.decode()
    assert f"{some_key.name} deleted." in landed


def test_key_settings_panel_changes_limit_reset_byok_and_workspace(
    client_for, admin, some_key, organisation
):
    other_ws = next(w for w, _n in workspace_choices(organisation) if w != some_key.workspace_id)
    data = {
        "limit": "42.00",
        "limit_reset": "weekly",
        "include_byok_in_limit": "on",
        "workspace_id": other_ws,
    }
    response = client_for(admin).post(reverse("keys:edit", args=[some_key.hash]), data, **HTMX)
    assert response.status_code == 200 and "Saved" in _toast(response)
    assert 'id="key-settings"' in response.content.decode()
    upstream = ApiKey.objects.get(hash=some_key.hash)
    assert float(upstream.limit) == 42.0 and upstream.limit_reset == "weekly"
    assert upstream.include_byok_in_limit and str(upstream.workspace.id) == other_ws
    key = Key.objects.get(pk=some_key.pk)
    assert key.limit == 42.0 and key.workspace_id == other_ws
    entry = AuditEntry.objects.get(action="key.update_settings", target_id=some_key.hash)
    assert entry.before["limit"] != entry.after["limit"]


def test_key_settings_refused_in_place_with_what_was_typed(client_for, admin, some_key):
    response = client_for(admin).post(
        reverse("keys:edit", args=[some_key.hash]),
        {"limit": "", "limit_reset": "daily", "workspace_id": some_key.workspace_id},
        **HTMX,
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "needs a limit" in body and 'value="daily" selected' in body
    assert "<html" not in body


def test_unchanged_key_settings_send_nothing_upstream(client_for, admin, some_key, monkeypatch):
    sent = []
    monkeypatch.setattr("apps.gateway.keys.key_update", lambda *a, **k: sent.append(k))
    client_for(admin).post(
        reverse("keys:edit", args=[some_key.hash]),
        {
            "limit": "" if some_key.limit is None else f"{some_key.limit:.2f}",
            "limit_reset": some_key.limit_reset,
            "workspace_id": some_key.workspace_id,
            **({"include_byok_in_limit": "on"} if some_key.include_byok_in_limit else {}),
        },
        **HTMX,
    )
    assert sent == []


def test_finance_and_outsider_cannot_edit_settings(client_for, finance, outsider, some_key):
    url = reverse("keys:edit", args=[some_key.hash])
    assert client_for(finance).post(url, {"limit": "1"}).status_code == 403
    assert client_for(outsider).post(url, {"limit": "1"}).status_code == 404


def test_rotating_a_disabled_key_says_what_really_happens(client_for, admin, some_key):
    client_for(admin).post(reverse("keys:toggle", args=[some_key.hash]), {"disabled": "true"})
    response = client_for(admin).post(
        reverse("keys:rotate", args=[some_key.hash]), {"transition_hours": "1", "then": "disable"}
    )
    body = response.content.decode()
    assert "already disabled" in body and "keeps working" not in body
    successor = Key.objects.exclude(pk=some_key.pk).get(name=some_key.name)
    assert not successor.disabled


def test_higher_limit_below_the_current_one_is_refused_in_place(
    client_for, member, admin, synced, actor_for
):
    req = request_services.key_request_create(
        actor_for(member), purpose="p", name="mine", limit=10.0, limit_reset="monthly"
    )
    request_services.key_request_approve(actor_for(admin), req)
    key = Key.objects.get(hash=KeyRequest.objects.get(pk=req.pk).key_hash)
    response = client_for(member).post(
        reverse("keys:increase", args=[key.hash]),
        {"limit": "5", "limit_reset": "monthly", "purpose": "less, by mistake"},
        **HTMX,
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "more than the current limit of $10.00" in body and "less, by mistake" in body


def test_admin_can_rename_a_request_whose_name_was_taken(
    client_for, member, admin, synced, actor_for, organisation
):
    _ask(client_for(member))
    req = KeyRequest.objects.get()
    from apps.keys.services import keys as key_services

    key_services.key_create(actor_for(admin), name="my-notebook")  # taken meanwhile
    taken = client_for(admin).post(
        reverse("keys:request_approve", args=[req.pk]),
        {"limit": "10", "limit_reset": "monthly"},
        **HTMX,
    )
    assert taken.status_code == 422 and "already exists" in taken.content.decode()
    assert KeyRequest.objects.get(pk=req.pk).status == "pending"
    renamed = client_for(admin).post(
        reverse("keys:request_approve", args=[req.pk]),
        {"name": "my-notebook-2", "limit": "10", "limit_reset": "monthly"},
        **HTMX,
    )
    assert renamed.status_code == 200
    assert Key.objects.get(organisation=organisation, name="my-notebook-2").owner == member


def test_second_request_with_a_waiting_name_is_refused(client_for, member, synced):
    _ask(client_for(member))
    again = _ask(client_for(member))
    assert again.status_code == 422 and "already waiting" in again.content.decode()


def test_sort_direction_is_respected(client_for, admin, synced):
    ascending = (
        client_for(admin).get(reverse("keys:list"), {"sort": "name", "dir": "asc"}).context["keys"]
    )
    descending = (
        client_for(admin).get(reverse("keys:list"), {"sort": "name", "dir": "desc"}).context["keys"]
    )
    names = [k.name for k in ascending]
    assert names == sorted(names) and [k.name for k in descending] == names[::-1]

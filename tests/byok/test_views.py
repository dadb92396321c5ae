"""BYOK pages: list in try order by role, create, edit, rotate, order, move, delete."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.urls import reverse

from apps.byok.models import ByokCredential
from apps.sandbox.models import ByokKey

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
LIST = reverse("byok:list")
CREATE = reverse("byok:create")
SECRET = "sk-proj-VIEWSECRETabcdefghijklmno9876"
UPSTREAM_FAULTS = [
    ("400", "rejected the request as invalid"),
    ("403", "not allowed"),
    ("409", "conflict"),
    ("429", "rate-limiting"),
    ("503", "unavailable"),
]


def _toast(response) -> str:
    return json.loads(response.headers.get("HX-Trigger", "{}")).get("toast", {}).get("message", "")


def _text(response) -> str:
    return unescape(response.content.decode())


def _no_secret_value(body: str) -> bool:
    """The secret field renders no value at all (whatever was typed)."""
    return re.search(r'<input[^>]*name="key"[^>]*value=', body) is None


def _url(name: str, credential: ByokCredential) -> str:
    return reverse(f"byok:{name}", args=[credential.byok_id])


# --- list ---------------------------------------------------------------------------------


def test_admin_sees_every_credential_in_try_order_with_actions(client_for, admin, catalog, byok):
    body = _text(client_for(admin).get(LIST))
    for name in ("Prod OpenAI (primary)", "OpenAI (batch jobs)", "Anthropic shared", "Vertex EU"):
        assert name in body
    # Prioritized OpenAI keys by sort_order, then OpenRouter's capacity.
    assert body.index("Prod OpenAI (primary)") < body.index("OpenAI (batch jobs)")
    assert body.index("OpenAI (batch jobs)") < body.index("own capacity on OpenAI")
    # The Anthropic key is a fallback: after OpenRouter's capacity.
    assert body.index("own capacity on Anthropic") < body.index("Anthropic shared")
    assert "Add a provider key" in body and "Replace key" in body and "sk-..." in body


def test_finance_reads_every_credential_and_its_byok_spend_estimate(client_for, finance, byok):
    response = client_for(finance).get(LIST)
    body = response.content.decode()
    assert response.status_code == 200 and "Vertex EU" in body
    assert "Replace key" not in body and "Add a provider key" not in body
    assert "OpenRouter's estimate" in body and 'data-testid="byok-spend"' in body


def test_member_sees_only_credentials_that_can_carry_their_traffic(client_for, member, byok):
    body = client_for(member).get(LIST).content.decode()
    # They own no key and are linked to no upstream user: only the shared, unrestricted key.
    assert "Anthropic shared" in body
    for name in ("Prod OpenAI (primary)", "OpenAI (batch jobs)", "Vertex EU"):
        assert name not in body
    assert "sk-..." not in body and "BYOK spend" not in body and "Replace key" not in body


def test_list_filters_answer_the_results_partial(client_for, admin, byok):
    response = client_for(admin).get(LIST, {"provider": "openai"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and 'id="byok-results"' in body
    assert "Prod OpenAI (primary)" in body and "Vertex EU" not in body
    body = client_for(admin).get(LIST, {"workspace": "shared"}, **HTMX).content.decode()
    assert "Anthropic shared" in body and "Prod OpenAI" not in body
    body = client_for(admin).get(LIST, {"q": "vertex"}, **HTMX).content.decode()
    assert "Vertex EU" in body and "Anthropic shared" not in body


def test_outsider_sees_none_of_another_organisations_credentials(
    client_for, outsider, byok, openai_primary
):
    assert "Prod OpenAI (primary)" not in client_for(outsider).get(LIST).content.decode()
    for name in ("detail", "rotate", "delete", "move"):
        assert client_for(outsider).get(_url(name, openai_primary)).status_code == 404, name


def test_member_gets_404_for_a_credential_that_is_not_theirs(client_for, member, openai_primary):
    assert client_for(member).get(_url("detail", openai_primary)).status_code == 404


# --- create -------------------------------------------------------------------------------


def _create_data(**overrides) -> dict:
    return {"provider": "groq", "key": SECRET, "name": "Groq prod", "workspace_id": ""} | overrides


@pytest.fixture
def default_workspace(organisation, byok) -> str:
    from apps.workspaces.models import Workspace

    return (
        Workspace.objects.filter(organisation=organisation)
        .order_by("created_at")
        .first()
        .workspace_id
    )


def test_admin_adds_a_credential_and_lands_on_the_list(
    client_for, admin, mirrors, organisation, default_workspace
):
    client = client_for(admin)
    response = client.post(
        CREATE,
        _create_data(
            key=f"  {SECRET}\n",
            workspace_id=default_workspace,
            allowed_models=["meta-llama/llama-3.3-70b-instruct"],
            declared_zdr="true",
        ),
        **HTMX,
    )
    assert response.status_code == 200 and response.headers["HX-Redirect"] == LIST
    credential = ByokCredential.objects.get(organisation=organisation, name="Groq prod")
    assert ByokKey.objects.get(id=credential.byok_id).secret == SECRET  # trimmed
    assert credential.declared_zdr is True
    page = client.get(LIST).content.decode()
    assert "spaces or line breaks around it; they were removed" in page
    assert SECRET not in page


def test_create_form_is_a_full_page_or_its_partial(client_for, admin, mirrors):
    assert "<html" in client_for(admin).get(CREATE).content.decode()
    body = client_for(admin).get(CREATE, **HTMX).content.decode()
    assert 'id="byok-form"' in body and "<html" not in body
    assert "Search providers" in body and 'type="password"' in body


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"provider": ""}, "This field is required."),
        ({"provider": "made-up"}, "not a provider OpenRouter accepts keys for"),
        ({"key": ""}, "Paste the provider's API key."),
        ({"key": "  short \n"}, "too short for a provider API key"),
        ({"key": '{"api_key": 1}'}, 'needs an "api_key" string'),
        ({"is_fallback": "on", "is_byok_only": "on"}, "cannot also be BYOK only"),
        (
            {"provider": "anthropic", "declared_region": "europe"},
            "accepts these regions only: global, us",
        ),
        ({"provider": "openai", "declared_region": "europe"}, "the region comes from the key"),
        ({"allowed_models": ["acme/nothing"]}, "is not in the model catalog"),
        ({"allowed_user_ids": ["user_nobody"]}, "is not one of this organisation's members"),
        ({"allowed_api_key_hashes": ["f" * 64]}, "is not one of this organisation's keys"),
    ],
)
def test_bad_input_is_refused_in_place_keeping_all_but_the_secret(
    client_for, admin, mirrors, default_workspace, overrides, field_message
):
    data = _create_data(workspace_id=default_workspace, name="Kept name") | overrides
    response = client_for(admin).post(CREATE, data, **HTMX)
    body = _text(response)
    assert response.status_code == 422
    assert field_message in body
    assert 'value="Kept name"' in body  # what was typed is kept
    assert SECRET not in body and _no_secret_value(body)
    assert "paste it again" in body


@pytest.mark.parametrize(("fault", "message"), UPSTREAM_FAULTS)
def test_upstream_errors_show_at_the_top_and_nothing_is_added(
    client_for, admin, mirrors, organisation, default_workspace, upstream_fault, fault, message
):
    before = ByokCredential.objects.filter(organisation=organisation).count()
    upstream_fault(fault)
    response = client_for(admin).post(CREATE, _create_data(workspace_id=default_workspace), **HTMX)
    body = response.content.decode()
    assert response.status_code == 422 and message in body.lower()
    assert SECRET not in body
    assert ByokCredential.objects.filter(organisation=organisation).count() == before


@pytest.mark.parametrize("role", ["finance", "member"])
def test_roles_that_do_not_manage_byok_cannot_add(request, client_for, byok, role):
    client = client_for(request.getfixturevalue(role))
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, _create_data()).status_code == 403


# --- edit ----------------------------------------------------------------------------------


def _edit_data(credential: ByokCredential, **overrides) -> dict:
    data = {
        "name": credential.name,
        "allowed_models": credential.allowed_models or [],
        "declared_region": credential.declared_region,
        "declared_zdr": "",
    }
    for flag in ("disabled", "is_fallback", "is_required", "is_byok_only"):
        if getattr(credential, flag):
            data[flag] = "on"
    return data | overrides


def test_detail_page_and_partial(client_for, admin, mirrors, openai_primary):
    body = client_for(admin).get(_url("detail", openai_primary)).content.decode()
    assert "Prod OpenAI (primary)" in body and openai_primary.label in body and "<html" in body
    assert 'value="openai/gpt-4.1" checked' in body


def test_admin_edits_settings_in_place(client_for, admin, mirrors, openai_primary):
    data = _edit_data(openai_primary, name="Renamed", allowed_models=[], is_required="on")
    response = client_for(admin).post(_url("detail", openai_primary), data, **HTMX)
    assert response.status_code == 200 and _toast(response) == "Saved."
    upstream = ByokKey.objects.get(id=openai_primary.byok_id)
    assert upstream.name == "Renamed" and upstream.allowed_models is None and upstream.is_required


def test_finance_reads_the_detail_but_cannot_save(client_for, finance, mirrors, openai_primary):
    response = client_for(finance).get(_url("detail", openai_primary))
    assert response.status_code == 200 and "Save</button>" not in response.content.decode()
    assert (
        client_for(finance).post(_url("detail", openai_primary), {"name": "x"}).status_code == 403
    )


@pytest.mark.parametrize(("fault", "message"), UPSTREAM_FAULTS)
def test_edit_upstream_errors_keep_the_form(
    client_for, admin, mirrors, openai_primary, upstream_fault, fault, message
):
    upstream_fault(fault)
    data = _edit_data(openai_primary, name="Typed name")
    response = client_for(admin).post(_url("detail", openai_primary), data, **HTMX)
    body = _text(response)
    assert response.status_code == 422 and message in body.lower() and 'value="Typed name"' in body
    assert ByokKey.objects.get(id=openai_primary.byok_id).name == "Prod OpenAI (primary)"


# --- rotate, toggle, order, move, delete ---------------------------------------------------


def test_rotate_dialog_replaces_the_key(client_for, admin, openai_primary):
    dialog = client_for(admin).get(_url("rotate", openai_primary), **HTMX).content.decode()
    assert "<dialog" in dialog and 'type="password"' in dialog and "<html" not in dialog
    response = client_for(admin).post(_url("rotate", openai_primary), {"key": SECRET}, **HTMX)
    assert response.headers["HX-Redirect"] == LIST
    assert ByokKey.objects.get(id=openai_primary.byok_id).secret == SECRET


@pytest.mark.parametrize(("fault", "message"), UPSTREAM_FAULTS)
def test_rotate_upstream_errors_show_in_the_dialog(
    client_for, admin, openai_primary, upstream_fault, fault, message
):
    old = ByokKey.objects.get(id=openai_primary.byok_id).secret
    upstream_fault(fault)
    response = client_for(admin).post(_url("rotate", openai_primary), {"key": SECRET}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 422 and message in body.lower() and SECRET not in body
    assert ByokKey.objects.get(id=openai_primary.byok_id).secret == old


def test_toggle_and_order_update_the_list_in_place(client_for, admin, catalog, openai_primary):
    client = client_for(admin)
    response = client.post(_url("toggle", openai_primary), {"disabled": "true"}, **HTMX)
    assert response.status_code == 200 and "disabled" in _toast(response)
    assert 'id="byok-results"' in response.content.decode()
    assert ByokKey.objects.get(id=openai_primary.byok_id).disabled
    response = client.post(_url("order", openai_primary), {"place": "after"}, **HTMX)
    assert "after OpenRouter's capacity" in _toast(response)
    body = _text(response)
    assert body.index("own capacity on OpenAI") < body.index("Prod OpenAI (primary)")
    assert ByokKey.objects.get(id=openai_primary.byok_id).is_fallback


@pytest.mark.parametrize(("fault", "message"), UPSTREAM_FAULTS)
def test_toggle_upstream_errors_toast_and_change_nothing(
    client_for, admin, openai_primary, upstream_fault, fault, message
):
    upstream_fault(fault)
    response = client_for(admin).post(_url("toggle", openai_primary), {"disabled": "true"}, **HTMX)
    assert response.status_code >= 400 and message in _toast(response).lower()
    assert not ByokKey.objects.get(id=openai_primary.byok_id).disabled


def test_move_to_end_dialog(client_for, admin, organisation, openai_primary):
    dialog = client_for(admin).get(_url("move", openai_primary), **HTMX).content.decode()
    assert "paste its key once more" in dialog
    response = client_for(admin).post(_url("move", openai_primary), {"key": SECRET}, **HTMX)
    assert response.headers["HX-Redirect"] == LIST
    moved = ByokCredential.objects.get(organisation=organisation, name="Prod OpenAI (primary)")
    assert moved.sort_order == 2


def test_delete_asks_for_the_provider_slug(client_for, admin, openai_primary):
    client = client_for(admin)
    response = client.post(_url("delete", openai_primary), {"confirm": "nope"}, **HTMX)
    assert response.status_code == 422 and "Type “openai”" in _text(response)
    response = client.post(_url("delete", openai_primary), {"confirm": "openai"}, **HTMX)
    assert response.headers["HX-Redirect"] == LIST
    assert not ByokCredential.objects.filter(pk=openai_primary.pk).exists()


@pytest.mark.parametrize("name", ["rotate", "move", "toggle", "order", "delete"])
def test_finance_cannot_change_a_credential(client_for, finance, openai_primary, name):
    assert client_for(finance).post(_url(name, openai_primary), {}).status_code == 403


def test_key_and_member_pickers_are_for_byok_managers_only(client_for, member, admin, mirrors):
    params = {"kind": "key", "name": "k", "id": "k", "multiple": "1"}
    assert client_for(member).get(reverse("catalog:pick"), params).status_code == 403
    body = client_for(admin).get(reverse("catalog:pick"), params | {"k-q": "ci"}).content.decode()
    assert "ci-runner" in body

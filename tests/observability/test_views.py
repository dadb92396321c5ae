"""Destination pages: list by role, add per type, edit, enable/disable, delete."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.urls import reverse

from apps.observability import services
from apps.observability.models import Destination
from apps.sandbox.models import ObservabilityDestination

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
LIST = reverse("observability:list")
CREATE = reverse("observability:create")
SECRET = "sk-lf-VIEWSECRETabcdefghijklmno9876"
HEADER_SECRET = "Bearer HEADERSECRETxyz0987654321"
UPSTREAM_FAULTS = [
    ("400", "rejected the request as invalid"),
    ("403", "not allowed"),
    ("409", "conflict"),
    ("429", "rate-limiting"),
    ("503", "unavailable"),
]


def _text(response) -> str:
    return unescape(response.content.decode())


def _toast(response) -> str:
    return json.loads(response.headers.get("HX-Trigger", "{}")).get("toast", {}).get("message", "")


def _no_password_value(body: str) -> bool:
    return re.search(r'<input[^>]*type="password"[^>]*value=', body) is None


def _url(name: str, d: Destination) -> str:
    return reverse(f"observability:{name}", args=[d.destination_id])


def _upstream_secrets(d: Destination) -> list[str]:
    config = ObservabilityDestination.objects.get(id=d.destination_id).config
    values = [v for k, v in config.items() if k in ("publicKey", "secretKey")]
    return values + list((config.get("headers") or {}).values())


# --- list -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "admin", "finance", "member"])
def test_every_role_reads_the_list_without_secrets_or_upstream_calls(
    request, client_for, langfuse, webhook, upstream_calls, role
):
    client = client_for(request.getfixturevalue(role))
    upstream_calls.clear()
    body = _text(client.get(LIST))
    assert upstream_calls == []
    assert "Prod Langfuse" in body and "Cost alerts webhook" in body
    for secret in _upstream_secrets(langfuse) + _upstream_secrets(webhook):
        assert secret not in body and secret[-4:] not in body
    manages = role in ("owner", "admin")
    assert ("Add a destination" in body) is manages and ('aria-label="Disable ' in body) is manages


def test_list_filters_answer_the_results_partial(client_for, admin, langfuse, webhook):
    response = client_for(admin).get(LIST, {"type": "webhook"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and 'id="obs-results"' in body
    assert "Cost alerts webhook" in body and "Prod Langfuse" not in body
    body = client_for(admin).get(LIST, {"q": "langfuse"}, **HTMX).content.decode()
    assert "Prod Langfuse" in body and "Cost alerts" not in body
    body = (
        client_for(admin).get(LIST, {"workspace": langfuse.workspace_id}, **HTMX).content.decode()
    )
    assert "Prod Langfuse" in body and "Cost alerts" not in body


def test_outsider_sees_none_of_another_organisations_destinations(client_for, outsider, langfuse):
    assert "Prod Langfuse" not in client_for(outsider).get(LIST).content.decode()
    for name in ("detail", "delete"):
        assert client_for(outsider).get(_url(name, langfuse)).status_code == 404, name
    assert client_for(outsider).post(_url("toggle", langfuse), {}).status_code in (403, 404)


@pytest.mark.parametrize("role", ["finance", "member"])
def test_readers_see_the_detail_without_a_form_or_secrets(
    request, client_for, langfuse, upstream_calls, role
):
    client = client_for(request.getfixturevalue(role))
    upstream_calls.clear()
    body = _text(client.get(_url("detail", langfuse)))
    assert upstream_calls == []
    assert (
        "publicKey, secretKey set (never shown)" in body
        and "<form" not in body.split("obs-settings")[1][:200]
    )
    for secret in _upstream_secrets(langfuse):
        assert secret not in body


# --- create ---------------------------------------------------------------------------------


def test_create_offers_every_type_and_explains_the_limit(client_for, admin, langfuse):
    body = client_for(admin).get(CREATE).content.decode()
    assert "at most 5 destinations of each type" in body
    for kind in ("arize", "otel-collector", "s3", "snowflake", "webhook"):
        assert f'value="{kind}"' in body
    assert 'name="config_url"' in body  # a webhook's form until another type is chosen
    body = client_for(admin).get(CREATE, {"type": "langfuse"}).content.decode()
    assert "has 1 of the 5 Langfuse destinations" in body


def test_each_type_gets_its_own_form(client_for, admin, destinations):
    s3 = client_for(admin).get(CREATE, {"type": "s3"}, **HTMX).content.decode()
    assert 'name="config_bucketName"' in s3 and 'name="config_roleArn"' in s3
    assert 'name="config_secretAccessKey"' in s3 and "<html" not in s3
    webhook = client_for(admin).get(CREATE, {"type": "webhook"}).content.decode()
    assert 'name="config_url"' in webhook and 'name="config_bucketName"' not in webhook
    assert "<html" in webhook and 'value="PUT"' in webhook


def _create_data(workspace_id: str, **overrides) -> dict:
    return {
        "type": "langfuse",
        "name": "Staging Langfuse",
        "workspace_id": workspace_id,
        "enabled": "on",
        "sampling_rate": "0.5",
        "regions": ["global"],
        "config_publicKey": "pk-lf-public-typed-12345",
        "config_secretKey": SECRET,
        "config_baseUrl": "https://eu.cloud.langfuse.com",
        "headers": f"Authorization: {HEADER_SECRET}",
    } | overrides


def test_admin_adds_a_destination_and_lands_on_the_list(client_for, admin, organisation, langfuse):
    client = client_for(admin)
    response = client.post(CREATE + "?type=langfuse", _create_data(langfuse.workspace_id), **HTMX)
    assert response.status_code == 200 and response.headers["HX-Redirect"] == LIST
    created = Destination.objects.get(organisation=organisation, name="Staging Langfuse")
    upstream = ObservabilityDestination.objects.get(id=created.destination_id)
    assert upstream.config["secretKey"] == SECRET
    assert upstream.config["headers"] == {"Authorization": HEADER_SECRET}
    assert created.sampling_rate == 0.5 and created.header_names == ["Authorization"]
    page = _text(client.get(LIST))
    assert "Staging Langfuse added." in page and SECRET not in page


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"name": ""}, "This field is required."),
        ({"config_secretKey": ""}, "This field is required."),
        ({"sampling_rate": "2"}, "less than or equal to 1"),
        ({"sampling_rate": "0"}, "greater than or equal to 0.0001"),
        ({"regions": []}, "Pick at least one data region."),
        ({"config_baseUrl": "ftp://x"}, "Enter an http:// or https:// URL."),
        ({"headers": "no colon here"}, "write each header as"),
        ({"filter_rules": "{nope"}, "must be valid JSON"),
        (
            {"filter_rules": '{"groups": [{"rules": [{"field": "colour", "operator": "gt"}]}]}'},
            "“colour” is not a field rules can test",
        ),
        (
            {
                "filter_rules": '{"groups": [{"rules": [{"field": "model", "operator": "regex", "value": "(["}]}]}'
            },
            "the regex is not valid",
        ),
        (
            {
                "filter_rules": '{"groups": [{"rules": [{"field": "total_cost", "operator": "gt", "value": "x"}]}]}'
            },
            "gt compares with a number",
        ),
        ({"api_key_hashes": ["f" * 64]}, "is not one of this organisation's keys"),
    ],
)
def test_bad_input_is_refused_in_place_keeping_all_but_secrets(
    client_for, admin, keys_mirrored, langfuse, overrides, field_message
):
    data = _create_data(langfuse.workspace_id, name="Kept name") | overrides
    if overrides.get("name") == "":
        data["name"] = ""
    response = client_for(admin).post(CREATE + "?type=langfuse", data, **HTMX)
    body = _text(response)
    assert response.status_code == 422
    assert field_message in body
    if data["name"]:
        assert 'value="Kept name"' in body
    assert 'value="https://eu.cloud.langfuse.com"' in body or "config_baseUrl" in overrides
    assert SECRET not in body and HEADER_SECRET not in body and _no_password_value(body)
    assert "type them again" in body


def test_s3_with_an_iam_role_needs_its_arn(client_for, admin, langfuse):
    data = {
        "type": "s3",
        "name": "Traces bucket",
        "workspace_id": langfuse.workspace_id,
        "sampling_rate": "1",
        "regions": ["global"],
        "config_bucketName": "traces",
        "config_authMode": "iam_role",
    }
    response = client_for(admin).post(CREATE + "?type=s3", data, **HTMX)
    assert response.status_code == 422 and "needs its role ARN" in _text(response)


def test_upstream_field_error_lands_on_that_field(client_for, admin, langfuse, monkeypatch):
    from apps.gateway import observability as gateway
    from apps.gateway.errors import BadRequest

    def refuse(*args, **kwargs):
        raise BadRequest(upstream_message=f"config.secretKey {SECRET} was refused by Langfuse")

    monkeypatch.setattr(gateway, "destination_create", refuse)
    response = client_for(admin).post(
        CREATE + "?type=langfuse", _create_data(langfuse.workspace_id), **HTMX
    )
    body = _text(response)
    assert response.status_code == 422 and SECRET not in body
    field_html = body.split('name="config_secretKey"')[1][:600]
    assert "was refused by Langfuse" in field_html


@pytest.mark.parametrize(("fault", "message"), UPSTREAM_FAULTS)
def test_upstream_errors_show_and_nothing_is_added(
    client_for, admin, organisation, langfuse, upstream_fault, fault, message
):
    before = Destination.objects.filter(organisation=organisation).count()
    upstream_fault(fault)
    response = client_for(admin).post(
        CREATE + "?type=langfuse", _create_data(langfuse.workspace_id), **HTMX
    )
    body = response.content.decode()
    assert response.status_code == 422 and message in body.lower()
    assert SECRET not in body and 'value="Staging Langfuse"' in body
    assert Destination.objects.filter(organisation=organisation).count() == before


@pytest.mark.parametrize("role", ["finance", "member"])
def test_readers_cannot_add_edit_toggle_or_delete(request, client_for, langfuse, role):
    client = client_for(request.getfixturevalue(role))
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE + "?type=langfuse", {}).status_code == 403
    assert client.post(_url("detail", langfuse), {"name": "x"}).status_code == 403
    assert client.post(_url("toggle", langfuse), {"enabled": "false"}).status_code == 403
    assert client.post(_url("delete", langfuse), {"confirm": "langfuse"}).status_code == 403
    assert ObservabilityDestination.objects.get(id=langfuse.destination_id).enabled


# --- edit, toggle, delete -------------------------------------------------------------------


def _edit_data(d: Destination, **overrides) -> dict:
    data = {
        "name": d.name,
        "sampling_rate": str(d.sampling_rate),
        "regions": d.regions,
        "config_baseUrl": d.config.get("baseUrl", ""),
        "filter_rules": json.dumps(d.filter_rules) if d.filter_rules else "",
    }
    for flag in ("enabled", "privacy_mode", "broadcast_generation_cost"):
        if getattr(d, flag):
            data[flag] = "on"
    return data | overrides


def test_edit_form_shows_no_secret_and_blank_secrets_keep_upstreams(client_for, admin, langfuse):
    client = client_for(admin)
    secrets = _upstream_secrets(langfuse)
    page = _text(client.get(_url("detail", langfuse)))
    assert 'name="config_secretKey"' in page and "leave blank to keep it" in page
    for secret in secrets:
        assert secret not in page
    response = client.post(
        _url("detail", langfuse), _edit_data(langfuse, sampling_rate="0.75"), **HTMX
    )
    assert response.status_code == 200 and _toast(response) == "Saved."
    assert 'id="obs-settings"' in response.content.decode()
    assert _upstream_secrets(langfuse) == secrets  # kept
    assert ObservabilityDestination.objects.get(id=langfuse.destination_id).sampling_rate == 0.75


def test_edit_replaces_a_secret_typed_again(client_for, admin, langfuse):
    client_for(admin).post(
        _url("detail", langfuse), _edit_data(langfuse, config_secretKey=SECRET), **HTMX
    )
    assert (
        ObservabilityDestination.objects.get(id=langfuse.destination_id).config["secretKey"]
        == SECRET
    )


def test_edit_refused_in_place(client_for, admin, langfuse):
    response = client_for(admin).post(
        _url("detail", langfuse),
        _edit_data(langfuse, sampling_rate="5", config_secretKey=SECRET),
        **HTMX,
    )
    body = _text(response)
    assert response.status_code == 422 and "less than or equal to 1" in body and SECRET not in body
    assert 'value="Prod Langfuse"' in body


def test_toggle_updates_the_list_in_place(client_for, admin, langfuse):
    response = client_for(admin).post(_url("toggle", langfuse), {"enabled": "false"}, **HTMX)
    assert response.status_code == 200 and "disabled" in _toast(response)
    assert 'id="obs-results"' in response.content.decode()
    assert not ObservabilityDestination.objects.get(id=langfuse.destination_id).enabled


@pytest.mark.parametrize(("fault", "message"), UPSTREAM_FAULTS)
def test_toggle_upstream_errors_toast_and_change_nothing(
    client_for, admin, langfuse, upstream_fault, fault, message
):
    upstream_fault(fault)
    response = client_for(admin).post(_url("toggle", langfuse), {"enabled": "false"}, **HTMX)
    assert response.status_code >= 400 and message in _toast(response).lower()
    assert ObservabilityDestination.objects.get(id=langfuse.destination_id).enabled


def test_delete_asks_for_the_type(client_for, admin, langfuse):
    client = client_for(admin)
    dialog = client.get(_url("delete", langfuse), **HTMX).content.decode()
    assert "<dialog" in dialog and "<html" not in dialog
    response = client.post(_url("delete", langfuse), {"confirm": "nope"}, **HTMX)
    assert response.status_code == 422 and "Type “langfuse”" in _text(response)
    response = client.post(_url("delete", langfuse), {"confirm": "langfuse"}, **HTMX)
    assert response.headers["HX-Redirect"] == LIST
    assert not Destination.objects.filter(pk=langfuse.pk).exists()


def test_a_refused_form_keeps_the_key_pickers_search_as_typed(
    client_for, admin, keys_mirrored, langfuse
):
    data = _create_data(langfuse.workspace_id, name="") | {"api_key_hashes-q": "ci-run"}
    body = _text(client_for(admin).post(CREATE + "?type=langfuse", data, **HTMX))
    assert 'name="api_key_hashes-q" value="ci-run"' in body
    assert "ci-runner" in body  # the options match what was typed


def test_the_sixth_destination_of_a_type_is_refused_before_asking_upstream(
    client_for, admin, actor, langfuse, upstream_calls
):
    for n in range(4):
        services.destination_create(
            actor,
            type_="langfuse",
            name=f"Extra {n}",
            workspace_id=langfuse.workspace_id,
            config={"publicKey": "pk-lf-1234567890", "secretKey": "sk-lf-1234567890"},
        )
    upstream_calls.clear()
    response = client_for(admin).post(
        CREATE + "?type=langfuse", _create_data(langfuse.workspace_id), **HTMX
    )
    body = _text(response)
    assert response.status_code == 422 and "already has 5 Langfuse destinations" in body
    assert upstream_calls == [] and SECRET not in body

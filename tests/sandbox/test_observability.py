"""Observability destinations: per-type config, masked secrets, 5 per type, merges; SDK."""

from __future__ import annotations

import pytest

from apps.sandbox.models import ObservabilityDestination
from apps.sandbox.views.observability import TYPES
from tests.sandbox.management_support import Api, inference_key, sdk

pytestmark = pytest.mark.django_db

VALID_CONFIGS = {
    "arize": {"apiKey": "ak-1234567890", "spaceKey": "space-1234567890", "modelId": "m"},
    "braintrust": {"apiKey": "bt-1234567890abcd", "projectId": "p1"},
    "clickhouse": {
        "host": "https://ch.example",
        "database": "db",
        "username": "u",
        "password": "pw-1234567890",
    },
    "datadog": {"apiKey": "dd-1234567890abcd", "mlApp": "app"},
    "grafana": {"apiKey": "gf-1234567890abcd", "instanceId": "123"},
    "langfuse": {"publicKey": "pk-lf-1234567890EfGh", "secretKey": "sk-lf-1234567890AbCd"},
    "langsmith": {"apiKey": "ls-1234567890abcd"},
    "newrelic": {"licenseKey": "nr-1234567890abcd", "region": "eu"},
    "opik": {"apiKey": "op-1234567890abcd", "workspace": "w", "projectName": "p"},
    "otel-collector": {"endpoint": "https://otel.example/v1/traces"},
    "posthog": {"apiKey": "phc-1234567890abcd"},
    "ramp": {"apiKey": "rp-1234567890abcd"},
    "s3": {
        "bucketName": "traces",
        "accessKeyId": "AKIA1234567890",
        "secretAccessKey": "secret1234567890",
    },
    "sentry": {
        "dsn": "https://abc@o1.ingest.sentry.io/1",
        "otlpEndpoint": "https://o1.sentry/otlp",
    },
    "snowflake": {"account": "acme", "token": "sf-1234567890abcd"},
    "weave": {"apiKey": "wv-1234567890abcd", "entity": "e", "project": "p"},
    "webhook": {"url": "https://hooks.example/or"},
}


@pytest.fixture
def api(sandbox_account) -> Api:
    return Api(sandbox_account[1])


def _create(api: Api, kind="langfuse", **body):
    payload = {"type": kind, "name": f"{kind} dest", "config": VALID_CONFIGS[kind], **body}
    response = api.post("/observability/destinations", payload)
    assert response.status_code == 201, response.content
    return response.json()["data"]


def test_every_type_has_a_valid_config_case():
    assert set(VALID_CONFIGS) == set(TYPES)
    assert len(TYPES) == 17


@pytest.mark.parametrize("kind", sorted(VALID_CONFIGS))
def test_each_type_accepts_its_required_keys_and_rejects_a_missing_one(api, kind):
    data = _create(api, kind)
    assert data["type"] == kind
    required = TYPES[kind].required[0]
    broken = {k: v for k, v in VALID_CONFIGS[kind].items() if k != required}
    response = api.post(
        "/observability/destinations", {"type": kind, "name": "x", "config": broken}
    )
    assert response.status_code == 400
    assert f"config.{required}" in response.json()["error"]["message"]


@pytest.mark.parametrize("kind", sorted(VALID_CONFIGS))
def test_each_type_parses_with_the_sdk(sandbox_account, kind):
    _account, secret = sandbox_account
    client = sdk(secret)
    created = client.observability.create(type_=kind, name=kind, config=VALID_CONFIGS[kind])
    assert created.data.type == kind
    assert client.observability.get(id=created.data.id).data.id == created.data.id


def test_secrets_are_masked_four_and_four_and_defaults_filled(api):
    data = _create(api)
    assert data["config"] == {
        "baseUrl": "https://us.cloud.langfuse.com",
        "publicKey": "pk-l...EfGh",
        "secretKey": "sk-l...AbCd",
    }
    stored = ObservabilityDestination.objects.get(id=data["id"])
    assert stored.config["secretKey"] == "sk-lf-1234567890AbCd"
    assert data["regions"] == ["global"]
    assert data["sampling_rate"] == 1.0
    assert data["api_key_hashes"] is None and data["filter_rules"] is None


def test_sixth_destination_of_a_type_is_409(api):
    for i in range(5):
        _create(api, "webhook", name=f"hook {i}")
    response = api.post(
        "/observability/destinations",
        {"type": "webhook", "name": "sixth", "config": VALID_CONFIGS["webhook"]},
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == 409
    # another type is still fine
    _create(api, "posthog")


def test_deleted_destination_frees_a_slot(api):
    ids = [_create(api, "webhook", name=f"hook {i}")["id"] for i in range(5)]
    assert api.delete(f"/observability/destinations/{ids[0]}").json() == {"deleted": True}
    assert api.get(f"/observability/destinations/{ids[0]}").status_code == 404
    _create(api, "webhook", name="replacement")


def test_patch_merges_config_and_ignores_masked_values(api):
    data = _create(api)
    response = api.patch(
        f"/observability/destinations/{data['id']}",
        {
            "config": {"secretKey": "sk-l...AbCd", "baseUrl": "https://eu.cloud.langfuse.com"},
            "sampling_rate": 0.25,
        },
    )
    body = response.json()["data"]
    assert body["config"]["baseUrl"] == "https://eu.cloud.langfuse.com"
    assert body["sampling_rate"] == 0.25
    stored = ObservabilityDestination.objects.get(id=data["id"])
    assert stored.config["secretKey"] == "sk-lf-1234567890AbCd"
    assert stored.config["publicKey"] == "pk-lf-1234567890EfGh"
    rotated = api.patch(
        f"/observability/destinations/{data['id']}",
        {"config": {"secretKey": "sk-lf-new-secret-9999"}},
    )
    assert rotated.json()["data"]["config"]["secretKey"] == "sk-l...9999"


def test_regions_cannot_be_cleared_and_eu_is_an_alias(api):
    data = _create(api, regions=["eu", "us"])
    assert data["regions"] == ["europe", "us"]
    response = api.patch(f"/observability/destinations/{data['id']}", {"regions": []})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"type": "splunk", "name": "x", "config": {}}, "type"),
        ({"type": "webhook", "config": {"url": "https://x.example"}}, "name"),
        ({"type": "webhook", "name": "x", "config": {"url": "ftp://x"}}, "config.url"),
        (
            {
                "type": "webhook",
                "name": "x",
                "config": {"url": "https://x.example", "method": "GET"},
            },
            "config.method",
        ),
        (
            {"type": "webhook", "name": "x", "config": {"url": "https://x.example", "bogus": 1}},
            "config.bogus",
        ),
        (
            {
                "type": "webhook",
                "name": "x",
                "config": {"url": "https://x.example"},
                "sampling_rate": 2,
            },
            "sampling_rate",
        ),
        (
            {
                "type": "webhook",
                "name": "x",
                "config": {"url": "https://x.example"},
                "api_key_hashes": ["0" * 64],
            },
            "api_key_hashes",
        ),
        (
            {
                "type": "webhook",
                "name": "x",
                "config": {"url": "https://x.example"},
                "filter_rules": {
                    "groups": [{"rules": [{"field": "colour", "operator": "equals", "value": "x"}]}]
                },
            },
            "field",
        ),
        (
            {"type": "s3", "name": "x", "config": {"bucketName": "b", "authMode": "iam_role"}},
            "roleArn",
        ),
    ],
)
def test_create_validation(api, body, fragment):
    response = api.post("/observability/destinations", body)
    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]


def test_filter_rules_and_key_hashes_round_trip(api):
    key_hash, _secret = inference_key(api)
    rules = {
        "enabled": True,
        "groups": [
            {
                "logic": "and",
                "rules": [
                    {"field": "model", "operator": "starts_with", "value": "anthropic/"},
                    {"field": "total_cost", "operator": "gt", "value": 0.01},
                ],
            }
        ],
    }
    data = _create(
        api,
        filter_rules=rules,
        api_key_hashes=[key_hash],
        privacy_mode=True,
        broadcast_generation_cost=True,
    )
    assert data["filter_rules"] == rules
    assert data["api_key_hashes"] == [key_hash]
    assert data["privacy_mode"] is True and data["broadcast_generation_cost"] is True


def test_s3_iam_role_gets_a_server_generated_external_id(api):
    data = _create(
        api,
        "s3",
        config={"bucketName": "b", "authMode": "iam_role", "roleArn": "arn:aws:iam::1:role/x"},
    )
    assert data["config"]["externalId"].startswith("openrouter-")


def test_list_paginates_within_the_workspace(api):
    def count(**params):
        return api.get("/observability/destinations", **params).json()["total_count"]

    base, base_prod = count(), count(workspace_id="production")
    for kind in ("webhook", "posthog", "ramp"):
        _create(api, kind)
    _create(api, "datadog", workspace_id="production")
    page = api.get("/observability/destinations", limit=2).json()
    assert page["total_count"] == base + 3 and len(page["data"]) == 2
    assert count(workspace_id="production") == base_prod + 1


def test_inference_key_is_refused(api):
    _hash, ordinary = inference_key(api)
    assert Api(ordinary).get("/observability/destinations").status_code == 403


def test_sdk_list_update_delete(sandbox_account):
    _account, secret = sandbox_account
    client = sdk(secret)
    created = client.observability.create(
        type_="webhook", name="hook", config={"url": "https://hooks.example/a"}
    )
    updated = client.observability.update(id=created.data.id, enabled=False, name="renamed")
    assert updated.data.enabled is False and updated.data.name == "renamed"
    listed = client.observability.list(limit=100).result.data
    assert created.data.id in {d.id for d in listed}
    assert client.observability.delete(id=created.data.id).DELETED is True

"""Validating recorded sandbox exchanges against the OpenAPI reference with openapi-core."""

from __future__ import annotations

import copy
from functools import lru_cache
from urllib.parse import urlsplit

import yaml
from hypothesis import strategies as st
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from tests.sandbox.or_harness import PATH_PREFIX, Exchange
from tests.shared_spec import SHARED_DIR

OPENAPI_FILE = SHARED_DIR / "reference" / "openrouter-openapi.yaml"
UPSTREAM = "https://openrouter.ai"
BINARY_TYPES = ("audio/*", "audio/pcm", "audio/mpeg", "video/mp4", "application/octet-stream")


# Places where the reference file breaks OpenAPI 3.1 itself, repaired before validating.
SPEC_REPAIRS: list[str] = []


def _repair(node, where: str = "#"):
    """OpenAPI 3.1 (JSON Schema 2020-12) wants a number in ``exclusiveMinimum``; one schema
    still uses the 3.0 boolean form, which makes openapi-core reject every validation."""
    if isinstance(node, dict):
        if node.get("exclusiveMinimum") is True and "minimum" in node:
            node["exclusiveMinimum"] = node.pop("minimum")
            SPEC_REPAIRS.append(f"{where}: exclusiveMinimum: true -> exclusiveMinimum: <minimum>")
        for key, value in node.items():
            _repair(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _repair(value, f"{where}/{i}")


@lru_cache(maxsize=1)
def spec_dict() -> dict:
    spec = yaml.safe_load(OPENAPI_FILE.read_text())
    _repair(spec)
    return spec


@lru_cache(maxsize=1)
def openapi() -> OpenAPI:
    spec = copy.deepcopy(spec_dict())
    # Binary bodies (``format: binary`` strings) are compared as text, as the schema expects.
    binary = dict.fromkeys(BINARY_TYPES, lambda data: data.decode("latin-1"))
    return OpenAPI.from_dict(spec, config=Config(extra_media_type_deserializers=binary))


def _as_upstream(exchange: Exchange) -> tuple[Request, Response]:
    url = urlsplit(exchange.url)
    path = "/api/v1" + url.path.removeprefix(PATH_PREFIX)
    headers = {k: v for k, v in exchange.request_headers.items() if k.lower() != "host"}
    builder = EnvironBuilder(
        method=exchange.method,
        base_url=UPSTREAM,
        path=path,
        query_string=url.query,
        headers=headers,
        data=exchange.request_body or None,
    )
    request = Request(builder.get_environ())
    response = Response(exchange.body, status=exchange.status, headers=exchange.headers)
    return request, response


def schema_errors(exchange: Exchange) -> str | None:
    """None when the response is valid for its operation, else the validator's complaint."""
    request, response = _as_upstream(exchange)
    try:
        openapi().validate_response(
            WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response)
        )
    except Exception as exc:  # openapi-core raises a family of validation errors
        detail = "; ".join(str(e)[:300] for e in getattr(exc, "schema_errors", []) or [])
        return f"{type(exc).__name__}: {exc} {detail}".strip()
    return None


def operation_of(exchange: Exchange) -> str:
    """``METHOD /path/{param}`` of the OpenAPI operation an exchange hit (best effort)."""
    path = urlsplit(exchange.url).path.removeprefix(PATH_PREFIX)
    matches = [t for t in spec_dict()["paths"] if _matches(t, path)]
    if not matches:
        return f"{exchange.method} {path}"
    # A literal segment beats a placeholder: /videos/models is not /videos/{jobId}.
    return f"{exchange.method} {min(matches, key=lambda t: t.count('{'))}"


def _matches(template: str, path: str) -> bool:
    t_parts, p_parts = template.strip("/").split("/"), path.strip("/").split("/")
    if len(t_parts) != len(p_parts):
        return False
    return all(
        t == p or (t.startswith("{") and t.endswith("}"))
        for t, p in zip(t_parts, p_parts, strict=True)
    )


# --- request generation for property-based tests --------------------------------------------


def resolve(schema):
    """Follow local ``$ref``s to the schema they name."""
    for _ in range(20):
        if not (isinstance(schema, dict) and "$ref" in schema):
            return schema
        node = spec_dict()
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def from_schema(schema, depth: int = 0) -> st.SearchStrategy:
    """A Hypothesis strategy for (most of) a JSON schema: enough to fuzz request bodies."""
    schema = resolve(schema)
    if not isinstance(schema, dict) or depth > 4:
        return st.none()
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            return st.one_of([from_schema(s, depth + 1) for s in schema[combinator]])
    if "allOf" in schema:
        merged: dict = {"type": "object", "properties": {}, "required": []}
        for part in (resolve(p) for p in schema["allOf"]):
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        return from_schema(merged, depth + 1)
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([from_schema({**schema, "type": k}, depth) for k in kind])
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        low, high = schema.get("minimum", -5), schema.get("maximum", 1000)
        return st.integers(min_value=int(low), max_value=int(high))
    if kind == "number":
        return st.floats(
            min_value=float(schema.get("minimum", -10)),
            max_value=float(schema.get("maximum", 1e4)),
            allow_nan=False,
            allow_infinity=False,
        )
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "uuid":
            return st.uuids().map(str)
        if fmt == "date-time":
            return st.sampled_from(["2030-01-01T00:00:00Z", "2020-01-01T00:00:00Z", "soon"])
        return st.text(min_size=0, max_size=24)
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {}), depth + 1), max_size=3)
    properties = schema.get("properties", {})
    if kind == "object" or properties:
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {k: from_schema(v, depth + 1) for k, v in properties.items() if k in required},
            optional={
                k: from_schema(v, depth + 1) for k, v in properties.items() if k not in required
            },
        )
    return st.one_of(st.none(), st.text(max_size=8), st.integers())


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)

"""The schema-instance generator behind tool arguments and structured output: every value it
makes validates against its schema (``jsonschema``), and the same seed gives the same value."""

from __future__ import annotations

import enum
from typing import Literal

import jsonschema
import pytest
from openai.lib._pydantic import to_strict_json_schema
from pydantic import BaseModel, Field

from apps.sandbox.fakegen import Ask, Tool, instance, pick_tool
from tests.clients.support import ANSWER_SCHEMA, FLIGHTS_SCHEMA, WEATHER_SCHEMA


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Line(BaseModel):
    sku: str = Field(pattern=r"^SKU-\d{4}-[A-Z]{2}$")
    qty: int = Field(ge=1, le=5)
    price: float = Field(gt=0, lt=10, multiple_of=0.25)


class Order(BaseModel):
    id: str
    lines: list[Line] = Field(min_length=2, max_length=3)
    colour: Colour
    note: str | None = None
    kind: Literal["a", "b"]
    parent: Order | None = None  # recursive: generation must stop
    tags: set[str] = set()
    counts: dict[str, int] = {}


SCHEMAS = {
    "weather": WEATHER_SCHEMA,
    "flights": FLIGHTS_SCHEMA,
    "answer": ANSWER_SCHEMA,
    "pydantic": Order.model_json_schema(),
    "openai strict": to_strict_json_schema(Order),
    "formats": {
        "type": "object",
        "properties": {
            name: {"type": "string", "format": name}
            for name in ("uuid", "date-time", "date", "email", "uri", "ipv4", "hostname")
        },
        "required": ["uuid", "date-time", "date", "email", "uri", "ipv4", "hostname"],
    },
    "patterns and bounds": {
        "type": "object",
        "properties": {
            "code": {"type": "string", "pattern": "^(foo|bar)+[0-9a-f]{6}$"},
            "phone": {"type": "string", "pattern": r"^\+?[0-9]{7,12}$"},
            "n": {"type": ["integer", "null"], "exclusiveMinimum": 0, "exclusiveMaximum": 3},
            "unique": {
                "type": "array",
                "items": {"enum": [1, 2, 3]},
                "uniqueItems": True,
                "minItems": 3,
            },
            "pair": {
                "type": "array",
                "prefixItems": [{"type": "string"}, {"type": "number"}],
                "items": False,
            },
            "short": {
                "anyOf": [{"type": "null"}, {"type": "string", "minLength": 5, "maxLength": 6}]
            },
        },
        "required": ["code", "phone", "n", "unique", "pair", "short"],
        "additionalProperties": False,
    },
    "minProperties": {
        "type": "object",
        "minProperties": 2,
        "additionalProperties": {"type": "boolean"},
    },
    "allOf": {
        "allOf": [
            {
                "type": "object",
                "properties": {"a": {"type": "integer", "minimum": 5}},
                "required": ["a"],
            },
            {"properties": {"b": {"const": "x"}}, "required": ["b"]},
        ]
    },
    "recursive $defs": {
        "type": "array",
        "items": {"$ref": "#/$defs/node"},
        "$defs": {
            "node": {
                "type": "object",
                "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
                "required": ["kids"],
            }
        },
    },
    "empty": {},
}


@pytest.mark.parametrize("name", SCHEMAS)
def test_instances_validate_for_many_seeds(name):
    schema = SCHEMAS[name]
    for seed in range(25):
        value = instance(schema, seed=str(seed), hints="What's the weather in Paris?")
        jsonschema.validate(value, schema, format_checker=jsonschema.FormatChecker())


def test_instances_are_deterministic_and_take_places_from_the_prompt():
    first = instance(WEATHER_SCHEMA, seed="s", hints="Is it raining in Lisbon today?")
    assert first == instance(WEATHER_SCHEMA, seed="s", hints="Is it raining in Lisbon today?")
    assert first["city"] == "Lisbon"


def test_auto_tool_choice_follows_the_prompt():
    tools = (
        Tool("search_flights", "Search flights between two airports", FLIGHTS_SCHEMA),
        Tool("get_weather", "Get the current weather in a city", WEATHER_SCHEMA),
    )

    def ask(prompt: str, **kw) -> Ask:
        return Ask(prompt=prompt, last_user=prompt, tools=tools, **kw)

    assert pick_tool(ask("What's the weather in Oslo?")).name == "get_weather"
    assert pick_tool(ask("Find me flights from LHR to JFK")).name == "search_flights"
    assert pick_tool(ask("Tell me a joke")) is None
    assert pick_tool(ask("Tell me a joke", choice="required")) is not None
    assert pick_tool(ask("weather?", choice="none")) is None
    assert pick_tool(ask("weather?", tool_result="18C")) is None

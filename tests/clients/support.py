"""What the client suites share: tools with real JSON Schemas and a validator for arguments."""

from __future__ import annotations

import json

import jsonschema

MODEL = "openai/gpt-4o-mini"
CLAUDE = "anthropic/claude-sonnet-4.5"
EMBEDDING_MODEL = "openai/text-embedding-3-small"
WEATHER_PROMPT = "What's the weather like in Paris today?"
JOKE_PROMPT = "Tell me a joke about penguins."

WEATHER_SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "description": "City name, e.g. Paris", "minLength": 2},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    "required": ["city", "unit"],
    "additionalProperties": False,
}
FLIGHTS_SCHEMA = {
    "type": "object",
    "properties": {
        "origin": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "destination": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "date": {"type": "string", "format": "date"},
        "passengers": {"type": "integer", "minimum": 1, "maximum": 9},
        "cabin": {"type": "string", "enum": ["economy", "business", "first"]},
        "flexible": {"type": "boolean"},
        "stops": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
    },
    "required": ["origin", "destination", "date", "passengers"],
    "additionalProperties": False,
}
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a given city",
        "parameters": WEATHER_SCHEMA,
    },
}
FLIGHTS_TOOL = {
    "type": "function",
    "function": {
        "name": "search_flights",
        "description": "Search flights between two airports on a date",
        "parameters": FLIGHTS_SCHEMA,
    },
}
TOOLS = [FLIGHTS_TOOL, WEATHER_TOOL]
SCHEMAS = {"get_weather": WEATHER_SCHEMA, "search_flights": FLIGHTS_SCHEMA}

# A structured-output schema in the strict form (every property required, no extras).
ANSWER_SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "rating": {"type": "integer", "minimum": 1, "maximum": 5},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "verdict": {"type": "string", "enum": ["buy", "skip"]},
    },
    "required": ["title", "rating", "tags", "verdict"],
    "additionalProperties": False,
}


def valid(instance, schema) -> bool:
    """True when ``instance`` (a value or a JSON string) validates against ``schema``."""
    if isinstance(instance, str):
        instance = json.loads(instance)
    jsonschema.validate(instance, schema, format_checker=jsonschema.FormatChecker())
    return True


def tool_result_messages(call_id: str, name: str, arguments: str) -> list[dict]:
    """A chat conversation after the assistant called ``name`` and the tool answered."""
    return [
        {"role": "user", "content": WEATHER_PROMPT},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": name, "arguments": arguments},
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": call_id,
            "content": '{"temperature_c": 18, "sky": "clear"}',
        },
    ]

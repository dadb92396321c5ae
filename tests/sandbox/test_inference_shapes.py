"""Tool calls, structured output, reasoning, images, logprobs and stream faults stay inside
the contract: every answer validates against the OpenAPI file (``openapi-core`` for whole
responses, its component schemas for each streamed event) and parses through the SDK."""

from __future__ import annotations

import json
from functools import cache

import jsonschema
import pytest
from openrouter import components
from pydantic import TypeAdapter

from tests.clients.support import (
    ANSWER_SCHEMA,
    FLIGHTS_TOOL,
    SCHEMAS,
    TOOLS,
    WEATHER_PROMPT,
    WEATHER_TOOL,
    tool_result_messages,
)
from tests.sandbox.or_harness import World, raw
from tests.sandbox.schema_support import schema_errors, spec_dict

pytestmark = pytest.mark.django_db

ASK = [{"role": "user", "content": WEATHER_PROMPT}]
GPT = "openai/gpt-4o-mini"
CLAUDE = "anthropic/claude-sonnet-4.5"
RESPONSES_TOOL = {"type": "function", **WEATHER_TOOL["function"], "strict": True}
JSON_FORMAT = {
    "type": "json_schema",
    "json_schema": {"name": "answer", "strict": True, "schema": ANSWER_SCHEMA},
}

CHAT = {
    "plain": {"model": GPT, "messages": ASK},
    "tools auto": {"model": GPT, "messages": ASK, "tools": TOOLS},
    "tools required": {"model": GPT, "messages": ASK, "tools": TOOLS, "tool_choice": "required"},
    "tools named": {
        "model": GPT,
        "messages": ASK,
        "tools": TOOLS,
        "tool_choice": {"type": "function", "function": {"name": "search_flights"}},
    },
    "tool result": {
        "model": GPT,
        "messages": tool_result_messages("call_1", "get_weather", '{"city": "Paris"}'),
        "tools": TOOLS,
    },
    "json_schema": {"model": GPT, "messages": ASK, "response_format": JSON_FORMAT},
    "json_object": {"model": GPT, "messages": ASK, "response_format": {"type": "json_object"}},
    "reasoning": {"model": "openai/o4-mini", "messages": ASK, "reasoning": {"effort": "low"}},
    "logprobs": {"model": GPT, "messages": ASK, "logprobs": True, "top_logprobs": 3},
    "images": {
        "model": "openai/gpt-5-image-mini",
        "messages": ASK,
        "modalities": ["image", "text"],
    },
    "auto router": {"model": "openrouter/auto", "messages": ASK},
    "non-OpenAI provider": {"model": CLAUDE, "messages": ASK, "tools": TOOLS},
    "truncated": {"model": GPT, "messages": ASK, "max_tokens": 3},
}
RESPONSES = {
    "plain": {"model": GPT, "input": WEATHER_PROMPT},
    "function call": {
        "model": GPT,
        "input": WEATHER_PROMPT,
        "tools": [RESPONSES_TOOL],
        "tool_choice": "required",
    },
    "function output": {
        "model": GPT,
        "tools": [RESPONSES_TOOL],
        "input": [
            {"role": "user", "content": WEATHER_PROMPT},
            {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": "18C"},
        ],
    },
    "text.format": {
        "model": GPT,
        "input": WEATHER_PROMPT,
        "text": {"format": {"type": "json_schema", "name": "a", "schema": ANSWER_SCHEMA}},
    },
    "incomplete": {"model": GPT, "input": WEATHER_PROMPT, "max_output_tokens": 2},
}
MESSAGE_TOOLS = [
    {"name": name, "description": name, "input_schema": schema} for name, schema in SCHEMAS.items()
]
MESSAGES = {
    "plain": {"model": CLAUDE, "max_tokens": 256, "messages": ASK},
    "tool forced": {
        "model": CLAUDE,
        "max_tokens": 256,
        "messages": ASK,
        "tools": MESSAGE_TOOLS,
        "tool_choice": {"type": "tool", "name": "search_flights"},
    },
    "thinking": {
        "model": CLAUDE,
        "max_tokens": 2048,
        "messages": ASK,
        "thinking": {"type": "enabled", "budget_tokens": 1024},
        "tools": MESSAGE_TOOLS,
    },
    "output_config": {
        "model": CLAUDE,
        "max_tokens": 256,
        "messages": ASK,
        "output_config": {"format": {"type": "json_schema", "schema": ANSWER_SCHEMA}},
    },
}


@pytest.fixture
def world(sandbox_account) -> World:
    return World(*sandbox_account)


@cache
def _validator(component: str) -> jsonschema.Validator:
    schema = {"$ref": f"#/components/schemas/{component}", "components": spec_dict()["components"]}
    return jsonschema.Draft202012Validator(schema)


def _component_errors(payload: dict, component: str) -> list[str]:
    return [e.message[:300] for e in _validator(component).iter_errors(payload)]


def _post(world: World, path: str, body: dict, **headers):
    response = raw(world.sdk, "POST", path, json=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["x-generation-id"].startswith("gen-")
    exchange = world.log[-1]
    return response, exchange


def _frames(body: bytes) -> list[tuple[str | None, dict]]:
    frames = []
    for block in body.decode().split("\n\n"):
        name = next((x[7:] for x in block.splitlines() if x.startswith("event: ")), None)
        data = next((x[6:] for x in block.splitlines() if x.startswith("data: ")), None)
        if data and data != "[DONE]":
            frames.append((name, json.loads(data)))
    return frames


@pytest.mark.parametrize("case", CHAT)
def test_chat_answers_validate_and_parse(world, case):
    response, exchange = _post(world, "/chat/completions", CHAT[case])
    assert schema_errors(exchange) is None
    result = components.ChatResult.model_validate(response.json())
    if case in ("tools required", "tools auto", "non-OpenAI provider"):
        (call,) = result.choices[0].message.tool_calls
        jsonschema.validate(json.loads(call.function.arguments), SCHEMAS[call.function.name])
    if case == "tools named":
        assert result.choices[0].message.tool_calls[0].function.name == "search_flights"
    if case == "json_schema":
        jsonschema.validate(json.loads(result.choices[0].message.content), ANSWER_SCHEMA)


@pytest.mark.parametrize("case", CHAT)
def test_chat_stream_chunks_validate_and_parse(world, case):
    # openapi-core reads no event streams: each event is checked against its component.
    _response, exchange = _post(world, "/chat/completions", {**CHAT[case], "stream": True})
    chunks = [payload for _name, payload in _frames(exchange.body)]
    for chunk in chunks:
        assert _component_errors(chunk, "ChatStreamChunk") == []
        components.ChatStreamChunk.model_validate(chunk)
        assert chunk.get("system_fingerprint", "") is not None
    assert chunks[-1]["choices"][0]["finish_reason"] in ("stop", "length", "tool_calls")
    assert chunks[-1]["usage"]["total_tokens"] > 0


@pytest.mark.parametrize("case", RESPONSES)
def test_responses_answers_and_events_validate_and_parse(world, case):
    response, exchange = _post(world, "/responses", RESPONSES[case])
    assert schema_errors(exchange) is None
    components.OpenResponsesResult.model_validate(response.json())
    _response, exchange = _post(world, "/responses", {**RESPONSES[case], "stream": True})
    events = [payload for _name, payload in _frames(exchange.body)]
    adapter = TypeAdapter(components.StreamEvents)
    for event in events:
        assert _component_errors(event, "StreamEvents") == [], event["type"]
        parsed = adapter.validate_python(event)
        assert not getattr(parsed, "is_unknown", False), event["type"]
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert events[-1]["response"] == response.json() | {
        "id": events[-1]["response"]["id"],
        "created_at": events[-1]["response"]["created_at"],
        "completed_at": events[-1]["response"]["completed_at"],
        "output": events[-1]["response"]["output"],
    }


@pytest.mark.parametrize("case", MESSAGES)
def test_messages_answers_and_events_validate(world, case):
    response, exchange = _post(world, "/messages", MESSAGES[case])
    assert schema_errors(exchange) is None
    message = response.json()
    if case == "tool forced":
        assert message["stop_reason"] == "tool_use"
        (block,) = [b for b in message["content"] if b["type"] == "tool_use"]
        jsonschema.validate(block["input"], SCHEMAS["search_flights"])
    if case == "thinking":
        assert message["content"][0]["type"] == "thinking"
    _response, exchange = _post(world, "/messages", {**MESSAGES[case], "stream": True})
    frames = _frames(exchange.body)
    for name, event in frames:
        assert name == event["type"]
        assert _component_errors(event, "MessagesStreamEvents") == [], name
    assert frames[-1][0] == "message_stop"


@pytest.mark.parametrize(
    ("path", "body", "component"),
    [
        ("/chat/completions", CHAT["plain"], "ChatStreamChunk"),
        ("/responses", RESPONSES["plain"], "StreamEvents"),
        ("/messages", MESSAGES["plain"], "MessagesStreamEvents"),
    ],
)
def test_stream_faults_cut_or_error_mid_stream_inside_the_schema(world, path, body, component):
    stream = {**body, "stream": True}
    _r, cut = _post(world, path, stream, **{"X-Sandbox-Fault": "stream_cut=2"})
    assert len(_frames(cut.body)) == 2 and b"[DONE]" not in cut.body
    _r, failed = _post(world, path, stream, **{"X-Sandbox-Fault": "stream_error=2"})
    frames = _frames(failed.body)
    assert len(frames) > 2 and b"[DONE]" not in failed.body
    for _name, event in frames:
        assert _component_errors(event, component) == []
    last = frames[-1][1]
    assert last.get("error") or last.get("type") in ("error", "response.failed")


def test_openrouter_auto_records_the_router_and_the_model_it_chose(world):
    response, _exchange = _post(world, "/chat/completions", CHAT["auto router"])
    generation = world.sdk.generations.get_generation(id=response.headers["x-generation-id"])
    assert generation.data.router == "openrouter/auto"
    assert generation.data.model.startswith(response.json()["model"].split("/")[0])


def test_generation_lookup_accepts_responses_and_messages_ids(world):
    for path, body in (("/responses", RESPONSES["plain"]), ("/messages", MESSAGES["plain"])):
        response, _exchange = _post(world, path, body)
        found = world.sdk.generations.get_generation(id=response.json()["id"])
        assert found.data.id == response.headers["x-generation-id"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"model": "openai/text-embedding-3-small", "input": ""}, 400),
        ({"model": "openai/text-embedding-3-small", "input": []}, 400),
        ({"model": "openai/text-embedding-3-small", "input": ["ok", ""]}, 400),
        ({"model": "openai/text-embedding-3-small", "input": [[1, 2], [3]]}, 200),
        ({"model": "openai/text-embedding-3-small", "input": [1, 2, 3]}, 200),
        (
            {
                "model": "openai/text-embedding-3-small",
                "input": [{"content": [{"type": "text", "text": "a cat"}]}],
            },
            200,
        ),
    ],
)
def test_embeddings_accept_every_input_form_of_the_schema(world, body, status):
    response = raw(world.sdk, "POST", "/embeddings", json=body)
    assert response.status_code == status
    assert schema_errors(world.log[-1]) is None
    if status == 200:
        assert all(len(d["embedding"]) == 1536 for d in response.json()["data"])


def test_a_tool_choice_naming_an_unknown_tool_is_a_400(world):
    body = {**CHAT["tools named"], "tools": [FLIGHTS_TOOL], "tool_choice": "required"}
    assert raw(world.sdk, "POST", "/chat/completions", json=body).status_code == 200
    body["tool_choice"] = {"type": "function", "function": {"name": "nope"}}
    assert raw(world.sdk, "POST", "/chat/completions", json=body).status_code == 400

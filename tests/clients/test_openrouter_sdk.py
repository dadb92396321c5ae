"""The official ``openrouter`` Python SDK against the sandbox over a socket: inference calls
the in-process proof suites do not make (tools, structured output, stream event order)."""

from __future__ import annotations

import json

import pytest
from openrouter import OpenRouter, errors

from tests.clients.support import (
    ANSWER_SCHEMA,
    EMBEDDING_MODEL,
    MODEL,
    TOOLS,
    WEATHER_PROMPT,
    WEATHER_SCHEMA,
    valid,
)

ASK = [{"role": "user", "content": WEATHER_PROMPT}]
FAULT = "X-Sandbox-Fault"


def make(sandbox, secret=None) -> OpenRouter:
    return OpenRouter(api_key=secret or sandbox.key, server_url=sandbox.base_url, retry_config=None)


@pytest.fixture(scope="module")
def sdk(sandbox) -> OpenRouter:
    return make(sandbox)


def test_chat_stream_every_chunk_parses_and_adds_up(sdk):
    plain = sdk.chat.send(messages=ASK, model=MODEL)
    chunks = list(sdk.chat.send(messages=ASK, model=MODEL, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == (
        plain.choices[0].message.content
    )
    assert chunks[-1].usage.total_tokens == plain.usage.total_tokens


def test_chat_tools_required_returns_valid_arguments(sdk):
    result = sdk.chat.send(messages=ASK, model=MODEL, tools=TOOLS, tool_choice="required")
    (call,) = result.choices[0].message.tool_calls
    assert call.function.name == "get_weather"
    assert valid(call.function.arguments, WEATHER_SCHEMA)
    assert result.choices[0].finish_reason == "tool_calls"


def test_chat_json_schema_response_format(sdk):
    result = sdk.chat.send(
        messages=ASK,
        model=MODEL,
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "answer", "strict": True, "schema": ANSWER_SCHEMA},
        },
    )
    assert valid(result.choices[0].message.content, ANSWER_SCHEMA)


def test_responses_stream_sends_every_documented_event(sdk):
    events = list(sdk.beta.responses.send(input=WEATHER_PROMPT, model=MODEL, stream=True))
    kinds = [e.type for e in events]
    assert kinds == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        *["response.output_text.delta"] * kinds.count("response.output_text.delta"),
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert events[0].response.output == [] and not events[0].response.output_text
    assert [e.sequence_number for e in events] == list(range(len(events)))
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == events[-1].response.output_text


def test_responses_function_call_item(sdk):
    tool = {"type": "function", **TOOLS[1]["function"]}
    result = sdk.beta.responses.send(
        input=WEATHER_PROMPT, model=MODEL, tools=[tool], tool_choice="required"
    )
    (item,) = [i for i in result.output if i.type == "function_call"]
    assert item.name == "get_weather" and valid(item.arguments, WEATHER_SCHEMA)


def test_embeddings_token_arrays_and_dimensions(sdk):
    result = sdk.embeddings.generate(input=[[15339, 1917]], model=EMBEDDING_MODEL)
    assert len(result.data[0].embedding) == 1536


def test_typed_errors_402_403_429(sandbox):
    with pytest.raises(errors.PaymentRequiredResponseError):
        make(sandbox, sandbox.spent_key()).chat.send(messages=ASK, model=MODEL)
    with pytest.raises(errors.ForbiddenResponseError):
        make(sandbox, sandbox.management_key).chat.send(messages=ASK, model=MODEL)
    with pytest.raises(errors.TooManyRequestsResponseError) as rate:
        make(sandbox).chat.send(
            messages=ASK, model=MODEL, http_headers={FAULT: "429,retry_after=7"}
        )
    assert rate.value.headers["retry-after"] == "7"
    assert json.loads(rate.value.body)["error"]["code"] == 429

"""The ``anthropic`` Python SDK against the sandbox's ``/messages`` over a socket."""

from __future__ import annotations

import anthropic
import pytest

from tests.clients.support import (
    CLAUDE,
    JOKE_PROMPT,
    SCHEMAS,
    WEATHER_PROMPT,
    WEATHER_SCHEMA,
    valid,
)

ASK = [{"role": "user", "content": WEATHER_PROMPT}]
TOOLS = [
    {
        "name": name,
        "description": f"{name.replace('_', ' ')} (sandbox test tool)",
        "input_schema": schema,
    }
    for name, schema in SCHEMAS.items()
]


@pytest.fixture(scope="module")
def client(sandbox) -> anthropic.Anthropic:
    # OpenRouter's guide: base URL https://openrouter.ai/api and the key as a bearer token.
    return anthropic.Anthropic(
        base_url=sandbox.anthropic_base_url, auth_token=sandbox.key, api_key=None, max_retries=0
    )


def test_messages_answer_text_and_the_id_is_a_generation(client, sandbox):
    raw = client.messages.with_raw_response.create(model=CLAUDE, max_tokens=256, messages=ASK)
    message = raw.parse()
    assert message.content[0].type == "text" and message.content[0].text
    assert message.stop_reason == "end_turn"
    assert message.usage.output_tokens > 0
    assert sandbox.generation(raw.headers["x-generation-id"]).status_code == 200
    assert sandbox.generation(message.id).status_code == 200


def test_messages_stream_helper_accumulates_the_text(client):
    plain = client.messages.create(model=CLAUDE, max_tokens=256, messages=ASK)
    with client.messages.stream(model=CLAUDE, max_tokens=256, messages=ASK) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == plain.content[0].text == final.content[0].text


def test_forced_tool_choice_returns_tool_use_with_valid_input(client):
    message = client.messages.create(
        model=CLAUDE,
        max_tokens=256,
        messages=ASK,
        tools=TOOLS,
        tool_choice={"type": "tool", "name": "search_flights"},
    )
    assert message.stop_reason == "tool_use"
    (block,) = [b for b in message.content if b.type == "tool_use"]
    assert block.name == "search_flights" and block.id.startswith("toolu_")
    assert valid(block.input, SCHEMAS["search_flights"])


def test_auto_tool_choice_picks_the_tool_the_prompt_asks_for(client):
    message = client.messages.create(model=CLAUDE, max_tokens=256, messages=ASK, tools=TOOLS)
    (block,) = [b for b in message.content if b.type == "tool_use"]
    assert block.name == "get_weather" and valid(block.input, WEATHER_SCHEMA)
    joke = client.messages.create(
        model=CLAUDE,
        max_tokens=256,
        messages=[{"role": "user", "content": JOKE_PROMPT}],
        tools=TOOLS,
    )
    assert joke.stop_reason == "end_turn" and joke.content[0].type == "text"


def test_tool_result_round_trip_answers_text(client):
    first = client.messages.create(
        model=CLAUDE, max_tokens=256, messages=ASK, tools=TOOLS, tool_choice={"type": "any"}
    )
    block = next(b for b in first.content if b.type == "tool_use")
    second = client.messages.create(
        model=CLAUDE,
        max_tokens=256,
        tools=TOOLS,
        messages=[
            *ASK,
            {"role": "assistant", "content": [block.model_dump(exclude_none=True)]},
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": block.id, "content": "18 degrees"}
                ],
            },
        ],
    )
    assert second.stop_reason == "end_turn"
    assert "18 degrees" in second.content[0].text


def test_streamed_tool_use_input_json_deltas_parse(client):
    with client.messages.stream(
        model=CLAUDE,
        max_tokens=256,
        messages=ASK,
        tools=TOOLS,
        tool_choice={"type": "tool", "name": "get_weather"},
    ) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_message()
    assert "input_json" in kinds or "content_block_delta" in kinds
    (block,) = [b for b in final.content if b.type == "tool_use"]
    assert final.stop_reason == "tool_use" and valid(block.input, WEATHER_SCHEMA)


def test_thinking_returns_a_thinking_block_first(client):
    message = client.messages.create(
        model=CLAUDE,
        max_tokens=2048,
        messages=ASK,
        thinking={"type": "enabled", "budget_tokens": 1024},
    )
    assert [b.type for b in message.content] == ["thinking", "text"]
    assert message.content[0].thinking and message.content[0].signature
    with client.messages.stream(
        model=CLAUDE,
        max_tokens=2048,
        messages=ASK,
        thinking={"type": "enabled", "budget_tokens": 1024},
    ) as stream:
        final = stream.get_final_message()
    assert final.content[0].thinking == message.content[0].thinking


def test_stream_error_event_raises_in_the_client(client):
    seen = []
    with (
        pytest.raises(anthropic.APIError) as error,
        client.messages.stream(
            model=CLAUDE,
            max_tokens=256,
            messages=ASK,
            extra_headers={"X-Sandbox-Fault": "stream_error=3"},
        ) as stream,
    ):
        seen.extend(event.type for event in stream)
    assert "message_start" in seen  # the stream had begun: a 200, then an error event
    assert error.value.body["error"]["type"] == "overloaded_error"


def test_errors_402_403_and_429_with_retry_after(sandbox):
    def make(secret):
        return anthropic.Anthropic(
            base_url=sandbox.anthropic_base_url, auth_token=secret, api_key=None, max_retries=0
        )

    with pytest.raises(anthropic.APIStatusError) as payment:
        make(sandbox.spent_key()).messages.create(model=CLAUDE, max_tokens=64, messages=ASK)
    assert payment.value.status_code == 402
    assert payment.value.body["error"]["type"] == "billing_error"
    with pytest.raises(anthropic.PermissionDeniedError):
        make(sandbox.management_key).messages.create(model=CLAUDE, max_tokens=64, messages=ASK)
    with pytest.raises(anthropic.RateLimitError) as rate:
        make(sandbox.key).messages.create(
            model=CLAUDE,
            max_tokens=64,
            messages=ASK,
            extra_headers={"X-Sandbox-Fault": "429,retry_after=7"},
        )
    assert rate.value.response.headers["retry-after"] == "7"

"""The ``openai`` Python SDK against the sandbox over a socket: what it parses, call by call."""

from __future__ import annotations

import json

import openai
import pytest
from pydantic import BaseModel, ConfigDict

from tests.clients.support import (
    ANSWER_SCHEMA,
    EMBEDDING_MODEL,
    JOKE_PROMPT,
    MODEL,
    SCHEMAS,
    TOOLS,
    WEATHER_PROMPT,
    WEATHER_SCHEMA,
    WEATHER_TOOL,
    tool_result_messages,
    valid,
)

ASK = [{"role": "user", "content": WEATHER_PROMPT}]


@pytest.fixture(scope="module")
def client(sandbox) -> openai.OpenAI:
    return openai.OpenAI(base_url=sandbox.base_url, api_key=sandbox.key, max_retries=0)


class Review(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    rating: int
    tags: list[str]
    verdict: str


# --- chat ---------------------------------------------------------------------------------


def test_chat_answers_text_with_usage_and_a_generation_id_header(client, sandbox):
    raw = client.chat.completions.with_raw_response.create(model=MODEL, messages=ASK)
    completion = raw.parse()
    assert completion.choices[0].message.content
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    assert raw.headers["x-generation-id"] == completion.id
    assert sandbox.generation(completion.id).status_code == 200


def test_chat_stream_chunks_add_up_to_the_plain_answer(client):
    plain = client.chat.completions.create(model=MODEL, messages=ASK)
    raw = client.chat.completions.with_raw_response.create(
        model=MODEL, messages=ASK, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(raw.parse())
    assert raw.headers["x-generation-id"] == chunks[0].id
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    assert all(isinstance(c.system_fingerprint, str) for c in chunks)
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens > 0


@pytest.mark.parametrize("tool_choice", ["auto", "required"])
def test_chat_calls_a_tool_with_arguments_valid_for_its_schema(client, tool_choice):
    completion = client.chat.completions.create(
        model=MODEL, messages=ASK, tools=TOOLS, tool_choice=tool_choice
    )
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    (call,) = choice.message.tool_calls
    assert call.function.name == "get_weather"
    assert valid(call.function.arguments, WEATHER_SCHEMA)
    assert json.loads(call.function.arguments)["city"] == "Paris"


def test_chat_named_tool_choice_calls_that_tool(client):
    completion = client.chat.completions.create(
        model=MODEL,
        messages=ASK,
        tools=TOOLS,
        tool_choice={"type": "function", "function": {"name": "search_flights"}},
    )
    (call,) = completion.choices[0].message.tool_calls
    assert call.function.name == "search_flights"
    assert valid(call.function.arguments, SCHEMAS["search_flights"])


def test_chat_auto_answers_text_when_no_tool_fits_and_none_never_calls(client):
    joke = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": JOKE_PROMPT}], tools=TOOLS
    )
    assert joke.choices[0].message.tool_calls is None and joke.choices[0].message.content
    none = client.chat.completions.create(
        model=MODEL, messages=ASK, tools=TOOLS, tool_choice="none"
    )
    assert none.choices[0].message.tool_calls is None
    assert none.choices[0].finish_reason == "stop"


def test_chat_tool_result_round_trip_continues_the_conversation(client):
    first = client.chat.completions.create(
        model=MODEL, messages=ASK, tools=[WEATHER_TOOL], tool_choice="required"
    )
    call = first.choices[0].message.tool_calls[0]
    messages = tool_result_messages(call.id, call.function.name, call.function.arguments)
    second = client.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER_TOOL])
    assert second.choices[0].finish_reason == "stop"
    assert second.choices[0].message.tool_calls is None
    assert "18" in second.choices[0].message.content


def test_chat_stream_tool_call_deltas_assemble_into_valid_arguments(client):
    stream = client.chat.completions.create(
        model=MODEL, messages=ASK, tools=TOOLS, tool_choice="required", stream=True
    )
    name, arguments, finish = "", "", None
    for chunk in stream:
        for delta in chunk.choices[0].delta.tool_calls or [] if chunk.choices else []:
            name += delta.function.name or ""
            arguments += delta.function.arguments or ""
        if chunk.choices and chunk.choices[0].finish_reason:
            finish = chunk.choices[0].finish_reason
    assert name == "get_weather" and finish == "tool_calls"
    assert valid(arguments, WEATHER_SCHEMA)


def test_chat_completions_parse_returns_the_pydantic_object(client):
    completion = client.chat.completions.parse(model=MODEL, messages=ASK, response_format=Review)
    review = completion.choices[0].message.parsed
    assert isinstance(review, Review)
    assert valid(completion.choices[0].message.content, Review.model_json_schema())


def test_chat_json_schema_and_json_object_answers_are_json(client):
    strict = client.chat.completions.create(
        model=MODEL,
        messages=ASK,
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "answer", "strict": True, "schema": ANSWER_SCHEMA},
        },
    )
    assert valid(strict.choices[0].message.content, ANSWER_SCHEMA)
    loose = client.chat.completions.create(
        model=MODEL, messages=ASK, response_format={"type": "json_object"}
    )
    assert isinstance(json.loads(loose.choices[0].message.content), dict)


def test_chat_logprobs_are_returned_when_asked(client):
    completion = client.chat.completions.create(
        model=MODEL, messages=ASK, logprobs=True, top_logprobs=2
    )
    tokens = completion.choices[0].logprobs.content
    assert "".join(t.token for t in tokens) == completion.choices[0].message.content
    assert all(t.logprob <= 0 and len(t.top_logprobs) == 2 for t in tokens)


def test_chat_reasoning_model_returns_reasoning_text(client):
    completion = client.chat.completions.create(
        model="openai/o4-mini", messages=ASK, extra_body={"reasoning": {"effort": "low"}}
    )
    message = completion.choices[0].message
    assert message.model_extra["reasoning"]
    assert completion.usage.completion_tokens_details.reasoning_tokens > 0


def test_chat_image_model_returns_images_for_image_modalities(client):
    completion = client.chat.completions.create(
        model="google/gemini-2.5-flash-image",
        messages=[{"role": "user", "content": "Draw a red kite"}],
        extra_body={"modalities": ["image", "text"]},
    )
    images = completion.choices[0].message.model_extra["images"]
    assert images[0]["image_url"]["url"].startswith("data:image/png;base64,")


def test_chat_openrouter_auto_routes_to_a_concrete_model(client):
    completion = client.chat.completions.create(model="openrouter/auto", messages=ASK)
    assert completion.model != "openrouter/auto" and "/" in completion.model
    assert completion.choices[0].message.content


def test_chat_stream_error_mid_way_raises_in_the_client(client):
    stream = client.chat.completions.create(
        model=MODEL,
        messages=ASK,
        stream=True,
        extra_headers={"X-Sandbox-Fault": "stream_error=2"},
    )
    seen = []
    with pytest.raises(openai.APIError):
        for chunk in stream:
            seen.append(chunk)
    assert len(seen) == 2


def test_chat_stream_cut_mid_way_ends_without_a_finish_reason(client):
    stream = client.chat.completions.create(
        model=MODEL, messages=ASK, stream=True, extra_headers={"X-Sandbox-Fault": "stream_cut=3"}
    )
    chunks = list(stream)
    assert len(chunks) == 3
    assert all(c.choices[0].finish_reason is None for c in chunks)


# --- responses ----------------------------------------------------------------------------


def test_responses_answer_and_its_id_is_a_generation(client, sandbox):
    raw = client.responses.with_raw_response.create(model=MODEL, input=WEATHER_PROMPT)
    response = raw.parse()
    assert response.output_text
    assert sandbox.generation(response.id).status_code == 200
    assert sandbox.generation(raw.headers["x-generation-id"]).status_code == 200


def test_responses_stream_helper_reads_every_event_in_order(client):
    with client.responses.stream(model=MODEL, input=WEATHER_PROMPT) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert kinds[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert "response.output_text.delta" in kinds
    assert kinds[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert final.output_text and final.status == "completed"


def test_responses_created_event_has_no_output_yet(client):
    stream = client.responses.create(model=MODEL, input=WEATHER_PROMPT, stream=True)
    first = next(iter(stream))
    assert first.type == "response.created" and first.response.output == []
    assert list(stream)[-1].type == "response.completed"


def test_responses_function_tool_returns_a_function_call_item(client):
    tool = {"type": "function", **WEATHER_TOOL["function"], "strict": True}
    response = client.responses.create(
        model=MODEL, input=WEATHER_PROMPT, tools=[tool], tool_choice="required"
    )
    (item,) = [i for i in response.output if i.type == "function_call"]
    assert item.name == "get_weather" and item.call_id
    assert valid(item.arguments, WEATHER_SCHEMA)


def test_responses_stream_function_call_arguments_events(client):
    tool = {"type": "function", **WEATHER_TOOL["function"]}
    with client.responses.stream(
        model=MODEL, input=WEATHER_PROMPT, tools=[tool], tool_choice="required"
    ) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert "response.function_call_arguments.delta" in kinds
    assert "response.function_call_arguments.done" in kinds
    (item,) = [i for i in final.output if i.type == "function_call"]
    assert valid(item.arguments, WEATHER_SCHEMA)


def test_responses_parse_with_text_format_returns_the_pydantic_object(client):
    response = client.responses.parse(model=MODEL, input=WEATHER_PROMPT, text_format=Review)
    assert isinstance(response.output_parsed, Review)


def test_responses_tool_output_round_trip(client):
    tool = {"type": "function", **WEATHER_TOOL["function"]}
    first = client.responses.create(
        model=MODEL, input=WEATHER_PROMPT, tools=[tool], tool_choice="required"
    )
    call = next(i for i in first.output if i.type == "function_call")
    second = client.responses.create(
        model=MODEL,
        tools=[tool],
        input=[
            {"role": "user", "content": WEATHER_PROMPT},
            {
                "type": "function_call",
                "call_id": call.call_id,
                "name": call.name,
                "arguments": call.arguments,
            },
            {"type": "function_call_output", "call_id": call.call_id, "output": "18C, clear"},
        ],
    )
    assert not [i for i in second.output if i.type == "function_call"]
    assert "18C" in second.output_text


# --- embeddings ---------------------------------------------------------------------------


def test_embeddings_default_to_the_real_model_dimensions(client):
    result = client.embeddings.create(model=EMBEDDING_MODEL, input="hello world")
    assert len(result.data[0].embedding) == 1536
    floats = client.embeddings.create(
        model=EMBEDDING_MODEL, input=["a", "b"], encoding_format="float", dimensions=64
    )
    assert [len(d.embedding) for d in floats.data] == [64, 64]


def test_embeddings_accept_token_arrays(client):
    result = client.embeddings.create(model=EMBEDDING_MODEL, input=[[15339, 1917], [15339]])
    assert [d.index for d in result.data] == [0, 1]
    single = client.embeddings.create(model=EMBEDDING_MODEL, input=[15339, 1917])
    assert len(single.data) == 1


def test_embeddings_refuse_an_empty_string(client):
    with pytest.raises(openai.BadRequestError):
        client.embeddings.create(model=EMBEDDING_MODEL, input="")


# --- errors -------------------------------------------------------------------------------


def test_errors_402_403_and_429_with_retry_after(sandbox):
    poor = openai.OpenAI(base_url=sandbox.base_url, api_key=sandbox.spent_key(), max_retries=0)
    with pytest.raises(openai.APIStatusError) as payment:
        poor.chat.completions.create(model=MODEL, messages=ASK)
    assert payment.value.status_code == 402
    assert payment.value.body["metadata"]["limit_source"] == "openrouter_key_limit"
    management = openai.OpenAI(
        base_url=sandbox.base_url, api_key=sandbox.management_key, max_retries=0
    )
    with pytest.raises(openai.PermissionDeniedError):
        management.chat.completions.create(model=MODEL, messages=ASK)
    limited = openai.OpenAI(base_url=sandbox.base_url, api_key=sandbox.key, max_retries=0)
    with pytest.raises(openai.RateLimitError) as rate:
        limited.chat.completions.create(
            model=MODEL, messages=ASK, extra_headers={"X-Sandbox-Fault": "429,retry_after=7"}
        )
    assert rate.value.response.headers["retry-after"] == "7"
    assert rate.value.body["code"] == 429

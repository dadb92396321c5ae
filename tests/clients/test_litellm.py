"""litellm's ``openrouter/`` provider against the sandbox over a socket (offline: the local
model-price map, set in ``conftest.py``)."""

from __future__ import annotations

import json

import litellm
import pytest
from pydantic import BaseModel, ConfigDict

from tests.clients.support import (
    EMBEDDING_MODEL,
    JOKE_PROMPT,
    MODEL,
    TOOLS,
    WEATHER_PROMPT,
    WEATHER_SCHEMA,
    valid,
)

ASK = [{"role": "user", "content": WEATHER_PROMPT}]


class Forecast(BaseModel):
    model_config = ConfigDict(extra="forbid")
    city: str
    temperature_c: int
    summary: str


@pytest.fixture(scope="module")
def call(sandbox):
    def completion(**kwargs):
        return litellm.completion(
            model=f"openrouter/{kwargs.pop('model', MODEL)}",
            api_base=sandbox.base_url,
            api_key=kwargs.pop("api_key", sandbox.key),
            messages=kwargs.pop("messages", ASK),
            num_retries=0,
            **kwargs,
        )

    return completion


def test_completion_returns_text_and_usage(call):
    response = call()
    assert response.choices[0].message.content
    assert response.usage.total_tokens > 0


def test_streamed_completion_adds_up(call):
    plain = call().choices[0].message.content
    chunks = list(call(stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == plain


@pytest.mark.parametrize("tool_choice", ["required", "auto"])
def test_tool_call_arguments_validate(call, tool_choice):
    response = call(tools=TOOLS, tool_choice=tool_choice)
    (tool_call,) = response.choices[0].message.tool_calls
    assert tool_call.function.name == "get_weather"
    assert valid(tool_call.function.arguments, WEATHER_SCHEMA)
    assert response.choices[0].finish_reason == "tool_calls"


def test_no_tool_call_for_a_prompt_no_tool_fits(call):
    response = call(messages=[{"role": "user", "content": JOKE_PROMPT}], tools=TOOLS)
    assert not response.choices[0].message.tool_calls


def test_response_format_pydantic_answer_parses(call):
    response = call(response_format=Forecast)
    assert Forecast.model_validate_json(response.choices[0].message.content)


def test_json_object_answer_parses(call):
    response = call(response_format={"type": "json_object"})
    assert isinstance(json.loads(response.choices[0].message.content), dict)


def test_embedding(sandbox):
    response = litellm.embedding(
        model=f"openrouter/{EMBEDDING_MODEL}",
        input=["hello", "world"],
        api_base=sandbox.base_url,
        api_key=sandbox.key,
    )
    assert [len(d["embedding"]) for d in response.data] == [1536, 1536]


def test_errors_are_mapped_to_litellm_exceptions(call, sandbox):
    with pytest.raises(litellm.exceptions.RateLimitError) as rate:
        call(extra_headers={"X-Sandbox-Fault": "429,retry_after=7"})
    assert rate.value.status_code == 429
    with pytest.raises(litellm.exceptions.APIError) as payment:
        call(api_key=sandbox.spent_key())
    assert payment.value.status_code == 402
    # litellm's OpenRouter provider maps a 403 to its generic APIError, keeping the status.
    with pytest.raises(litellm.exceptions.APIError) as forbidden:
        call(api_key=sandbox.management_key)
    assert forbidden.value.status_code == 403
    assert "Management keys" in forbidden.value.message

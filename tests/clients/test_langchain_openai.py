"""LangChain's ``ChatOpenAI`` and ``OpenAIEmbeddings`` pointed at the sandbox."""

from __future__ import annotations

import os
from pathlib import Path

import litellm
import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_openai import ChatOpenAI, OpenAIEmbeddings
from pydantic import BaseModel, Field

from tests.clients.support import EMBEDDING_MODEL, MODEL, WEATHER_PROMPT, valid

# OpenAIEmbeddings tokenizes with tiktoken, which downloads its encodings on first use;
# litellm ships cl100k_base, so point tiktoken at that copy and stay offline.
os.environ.setdefault(
    "TIKTOKEN_CACHE_DIR", str(Path(litellm.__file__).parent / "litellm_core_utils" / "tokenizers")
)


class Forecast(BaseModel):
    """A weather forecast."""

    city: str = Field(description="City name")
    temperature_c: int
    summary: str


def get_weather(city: str, unit: str) -> str:
    """Get the current weather in a given city.

    Args:
        city: City name, e.g. Paris
        unit: celsius or fahrenheit
    """
    return f"18 {unit} in {city}"


@pytest.fixture(scope="module")
def llm(sandbox) -> ChatOpenAI:
    return ChatOpenAI(model=MODEL, base_url=sandbox.base_url, api_key=sandbox.key, max_retries=0)


def test_invoke_returns_an_ai_message_with_usage(llm):
    message = llm.invoke(WEATHER_PROMPT)
    assert isinstance(message, AIMessage) and message.content
    assert message.usage_metadata["total_tokens"] > 0


def test_stream_adds_up_to_invoke(llm):
    plain = llm.invoke(WEATHER_PROMPT).content
    assert "".join(chunk.content for chunk in llm.stream(WEATHER_PROMPT)) == plain


def test_bind_tools_returns_tool_calls_with_valid_args(llm):
    message = llm.bind_tools([get_weather], tool_choice="get_weather").invoke(WEATHER_PROMPT)
    (call,) = message.tool_calls
    assert call["name"] == "get_weather"
    assert valid(call["args"], convert_to_openai_tool(get_weather)["function"]["parameters"])
    assert call["args"]["city"] == "Paris"


def test_tool_loop_ends_with_text(llm):
    bound = llm.bind_tools([get_weather])
    history = [HumanMessage(WEATHER_PROMPT)]
    reply = bound.invoke(history)
    (call,) = reply.tool_calls
    history += [reply, ToolMessage(get_weather(**call["args"]), tool_call_id=call["id"])]
    final = bound.invoke(history)
    assert not final.tool_calls and "18" in final.content


def test_with_structured_output_returns_the_pydantic_object(llm):
    forecast = llm.with_structured_output(Forecast).invoke(WEATHER_PROMPT)
    assert isinstance(forecast, Forecast)
    via_tool = llm.with_structured_output(Forecast, method="function_calling").invoke(
        WEATHER_PROMPT
    )
    assert isinstance(via_tool, Forecast)


def test_embeddings_send_token_arrays_and_get_real_dimensions(sandbox):
    embeddings = OpenAIEmbeddings(
        model=EMBEDDING_MODEL, base_url=sandbox.base_url, api_key=sandbox.key, max_retries=0
    )
    vectors = embeddings.embed_documents(["hello world", "goodbye"])
    assert [len(v) for v in vectors] == [1536, 1536]
    assert len(embeddings.embed_query("hello")) == 1536

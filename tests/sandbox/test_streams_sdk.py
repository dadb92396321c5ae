"""Streams read through the official SDK: chat chunks and Responses events parse and add up."""

from __future__ import annotations

import pytest

from tests.sandbox.or_harness import MSG, World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(sandbox_account) -> World:
    return World(*sandbox_account)


def test_sdk_reads_a_chat_stream_to_the_end(world):
    plain = world.sdk.chat.send(messages=MSG, model="openai/gpt-4o-mini")
    chunks = list(world.sdk.chat.send(messages=MSG, model="openai/gpt-4o-mini", stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens > 0


def test_sdk_reads_a_responses_stream_to_completion(world):
    events = list(
        world.sdk.beta.responses.send(input="Hi", model="openai/gpt-4.1-mini", stream=True)
    )
    kinds = [e.type for e in events]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert deltas == events[-1].response.output_text

"""What the three inference skins return for an :class:`~apps.sandbox.fakegen.Answer`: the
final objects and the server-sent event sequences, in the order each API documents.

- Chat Completions: a role chunk, reasoning deltas, content or tool-call deltas, a final
  chunk with ``finish_reason`` and ``usage``, then ``data: [DONE]``.
- Responses: ``response.created`` → ``response.in_progress`` → per output item
  ``output_item.added`` (→ ``content_part.added`` → ``output_text.delta``… →
  ``output_text.done`` → ``content_part.done``, or ``function_call_arguments.delta``… →
  ``.done``) → ``output_item.done`` → ``response.completed`` (or ``.incomplete``).
- Messages: ``message_start`` → ``ping`` → per block ``content_block_start`` →
  ``content_block_delta``… → ``content_block_stop`` → ``message_delta`` → ``message_stop``.

:func:`sse` frames a :class:`Stream` and applies the stream faults (``stream_cut=N``,
``stream_error=N``) of the request's fault spec.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.http import StreamingHttpResponse

from apps.sandbox.fakegen import Answer

PIECE = 24  # characters per streamed text delta, about six tokens


@dataclass
class Stream:
    events: list  # dicts (``data:`` only) or (event name, payload) pairs
    done: bool  # ends with ``data: [DONE]``
    error: list = field(default_factory=list)  # what a mid-stream failure sends instead


def pieces(text: str, size: int = PIECE) -> list[str]:
    """Split at word boundaries into deltas of about ``size`` characters (never empty)."""
    out, current = [], ""
    for token in re.findall(r"\s*\S+|\s+", text):
        current += token
        if len(current) >= size:
            out.append(current)
            current = ""
    if current or not out:
        out.append(current)
    return out


def fingerprint(model_id: str) -> str:
    return "fp_" + hashlib.sha256(model_id.encode()).hexdigest()[:10]


# --- chat completions -------------------------------------------------------------------


def chat_message(answer: Answer) -> dict:
    message: dict = {
        "role": "assistant",
        "content": answer.text,
        "refusal": None,
        "reasoning": answer.reasoning,
    }
    if answer.reasoning:
        message["reasoning_details"] = [
            {"type": "reasoning.text", "text": answer.reasoning, "format": "unknown", "index": 0}
        ]
    if answer.tool_calls:
        message["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for call in answer.tool_calls
        ]
    if answer.images:
        message["images"] = [
            {"type": "image_url", "image_url": {"url": url}, "index": i}
            for i, url in enumerate(answer.images)
        ]
    return message


def chat_stream(head: dict, answer: Answer, usage: dict, logprobs: list | None) -> Stream:
    chunk = {**head, "object": "chat.completion.chunk"}

    def event(delta: dict, **extra) -> dict:
        return {**chunk, "choices": [{"index": 0, "delta": delta, "finish_reason": None, **extra}]}

    events = [event({"role": "assistant", "content": "" if answer.text is not None else None})]
    for piece in pieces(answer.reasoning) if answer.reasoning else []:
        events.append(event({"content": "", "reasoning": piece}))
    if answer.text is not None:
        remaining = list(logprobs or [])
        for piece in pieces(answer.text):
            extra = {}
            if logprobs is not None:
                taken, size = [], 0
                while remaining and size < len(piece):
                    size += len(remaining[0]["token"])
                    taken.append(remaining.pop(0))
                extra["logprobs"] = {"content": taken, "refusal": None}
            events.append(event({"content": piece}, **extra))
    for index, call in enumerate(answer.tool_calls):
        events.append(
            event(
                {
                    "tool_calls": [
                        {
                            "index": index,
                            "id": call.id,
                            "type": "function",
                            "function": {"name": call.name, "arguments": ""},
                        }
                    ]
                }
            )
        )
        events += [
            event({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
            for piece in pieces(call.arguments, 16)
        ]
    if answer.images:
        events.append(event({"content": "", "images": chat_message(answer)["images"]}))
    final = {
        **chunk,
        "choices": [
            {
                "index": 0,
                "delta": {},
                "finish_reason": answer.finish,
                "native_finish_reason": answer.finish,
            }
        ],
        "usage": usage,
    }
    error = {
        **chunk,
        "error": {
            "code": 502,
            "message": "Provider disconnected unexpectedly (sandbox stream fault)",
            "metadata": {"error_type": "provider_unavailable"},
        },
        "choices": [
            {
                "index": 0,
                "delta": {"content": ""},
                "finish_reason": "error",
                "native_finish_reason": "error",
            }
        ],
    }
    return Stream([*events, final], done=True, error=[error])


# --- responses ----------------------------------------------------------------------------


def responses_output(answer: Answer, generation_id: str) -> list[dict]:
    items: list[dict] = []
    if answer.text is not None:
        items.append(
            {
                "type": "message",
                "id": f"msg_{generation_id}",
                "role": "assistant",
                "status": "completed",
                "content": [
                    {"type": "output_text", "text": answer.text, "annotations": [], "logprobs": []}
                ],
            }
        )
    for index, call in enumerate(answer.tool_calls):
        items.append(
            {
                "type": "function_call",
                "id": f"fc_{generation_id}_{index}",
                "call_id": call.id,
                "name": call.name,
                "arguments": call.arguments,
                "status": "completed",
            }
        )
    return items


def responses_stream(result: dict) -> Stream:
    pending = {
        **{key: value for key, value in result.items() if key != "usage"},  # not nullable
        "status": "in_progress",
        "output": [],
        "output_text": "",
        "completed_at": None,
        "incomplete_details": None,
    }
    events: list[dict] = [
        {"type": "response.created", "response": pending},
        {"type": "response.in_progress", "response": pending},
    ]
    for index, item in enumerate(result["output"]):
        events += _item_events(index, item)
    final = "response.completed" if result["status"] == "completed" else "response.incomplete"
    events.append({"type": final, "response": result})
    error = [
        {
            "type": "error",
            "code": "server_error",
            "message": "Provider disconnected unexpectedly (sandbox stream fault)",
            "param": None,
        },
        {
            "type": "response.failed",
            "response": {
                **pending,
                "status": "failed",
                "error": {"code": "server_error", "message": "Provider disconnected unexpectedly"},
            },
        },
    ]
    return Stream(events, done=True, error=error)


def _item_events(index: int, item: dict) -> list[dict]:
    where = {"item_id": item["id"], "output_index": index}
    if item["type"] == "function_call":
        arguments = item["arguments"]
        return [
            {
                "type": "response.output_item.added",
                "output_index": index,
                "item": {**item, "arguments": "", "status": "in_progress"},
            },
            *[
                {"type": "response.function_call_arguments.delta", **where, "delta": piece}
                for piece in pieces(arguments, 16)
            ],
            {
                "type": "response.function_call_arguments.done",
                **where,
                "name": item["name"],
                "arguments": arguments,
            },
            {"type": "response.output_item.done", "output_index": index, "item": item},
        ]
    part = item["content"][0]
    text = part["text"]
    part_where = {**where, "content_index": 0}
    return [
        {
            "type": "response.output_item.added",
            "output_index": index,
            "item": {**item, "status": "in_progress", "content": []},
        },
        {"type": "response.content_part.added", **part_where, "part": {**part, "text": ""}},
        *[
            {"type": "response.output_text.delta", **part_where, "delta": piece, "logprobs": []}
            for piece in pieces(text)
        ],
        {"type": "response.output_text.done", **part_where, "text": text, "logprobs": []},
        {"type": "response.content_part.done", **part_where, "part": part},
        {"type": "response.output_item.done", "output_index": index, "item": item},
    ]


# --- Anthropic messages -------------------------------------------------------------------


def signature(text: str) -> str:
    return hashlib.sha256(f"sandbox-thinking:{text}".encode()).hexdigest()


def messages_content(answer: Answer) -> list[dict]:
    blocks: list[dict] = []
    if answer.reasoning:
        blocks.append(
            {
                "type": "thinking",
                "thinking": answer.reasoning,
                "signature": signature(answer.reasoning),
            }
        )
    if answer.text is not None:
        blocks.append({"type": "text", "text": answer.text, "citations": None})
    for call in answer.tool_calls:
        blocks.append(
            {
                "type": "tool_use",
                "id": call.id,
                "name": call.name,
                "input": call.input,
                "caller": {"type": "direct"},
            }
        )
    return blocks


def messages_stream(message: dict, usage: dict) -> Stream:
    start = {**message, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 0}}
    events: list = [
        ("message_start", {"type": "message_start", "message": start}),
        ("ping", {"type": "ping"}),
    ]
    for index, block in enumerate(message["content"]):
        events += _block_events(index, block)
    events += [
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {
                    "stop_reason": message["stop_reason"],
                    "stop_sequence": None,
                    "stop_details": None,
                    "container": None,
                },
                "usage": {
                    key: usage[key]
                    for key in (
                        "input_tokens",
                        "output_tokens",
                        "output_tokens_details",
                        "cache_creation_input_tokens",
                        "cache_read_input_tokens",
                        "server_tool_use",
                    )
                },
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    error = [
        (
            "error",
            {
                "type": "error",
                "error": {
                    "type": "overloaded_error",
                    "message": "Overloaded (sandbox stream fault)",
                },
            },
        )
    ]
    return Stream(events, done=False, error=error)


def _block_events(index: int, block: dict) -> list:
    def delta(payload: dict) -> tuple:
        return (
            "content_block_delta",
            {"type": "content_block_delta", "index": index, "delta": payload},
        )

    if block["type"] == "thinking":
        opening = {"type": "thinking", "thinking": "", "signature": ""}
        deltas = [
            delta({"type": "thinking_delta", "thinking": p}) for p in pieces(block["thinking"])
        ]
        deltas.append(delta({"type": "signature_delta", "signature": block["signature"]}))
    elif block["type"] == "tool_use":
        opening = {**block, "input": {}}
        deltas = [
            delta({"type": "input_json_delta", "partial_json": p})
            for p in pieces(json.dumps(block["input"]), 16)
        ]
    else:
        opening = {**block, "text": ""}
        deltas = [delta({"type": "text_delta", "text": p}) for p in pieces(block["text"])]
    return [
        (
            "content_block_start",
            {"type": "content_block_start", "index": index, "content_block": opening},
        ),
        *deltas,
        ("content_block_stop", {"type": "content_block_stop", "index": index}),
    ]


# --- framing ------------------------------------------------------------------------------


def _numbered(events: Iterable) -> list:
    """Responses events carry a running ``sequence_number``."""
    out = []
    for number, event in enumerate(events):
        if isinstance(event, dict) and str(event.get("type", "")).startswith(
            ("response.", "error")
        ):
            event = {**event, "sequence_number": number}
        out.append(event)
    return out


def sse(request, stream: Stream, *, generation_id: str) -> StreamingHttpResponse:
    """Server-sent events: a processing comment, the events, then ``[DONE]`` where the API
    has one. A ``stream_cut=N`` fault stops after N events as if the connection dropped; a
    ``stream_error=N`` fault sends the API's error event after N events and ends."""
    fault = getattr(request, "sandbox_fault", None)
    events = list(stream.events)
    done = stream.done
    if fault is not None and fault.stream_cut is not None:
        events, done = events[: fault.stream_cut], False
    elif fault is not None and fault.stream_error is not None:
        events, done = events[: fault.stream_error] + stream.error, False
    events = _numbered(events)

    def generate():
        yield b": OPENROUTER PROCESSING\n\n"
        for event in events:
            if isinstance(event, tuple):
                name, payload = event
                yield f"event: {name}\ndata: {json.dumps(payload)}\n\n".encode()
            else:
                yield f"data: {json.dumps(event)}\n\n".encode()
        if done:
            yield b"data: [DONE]\n\n"

    response = StreamingHttpResponse(generate(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Generation-Id"] = generation_id
    return response

"""Inference with ordinary keys: chat, messages, responses, embeddings, rerank, audio, images.

Outputs are deterministic (derived from the request), usage is counted, cost comes from
catalog prices, and every call is charged through ``metering`` (402/403 like upstream).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import random
import struct

from django.http import HttpResponse, JsonResponse, StreamingHttpResponse

from apps.sandbox import media
from apps.sandbox.catalog import CatalogModel, find_model
from apps.sandbox.http import ApiError, Caller, endpoint, field, json_body
from apps.sandbox.metering import Charge, authorize, count_tokens, record

DEFAULT_CHAT_MODEL = "openai/gpt-4o-mini"


# --- shared helpers -----------------------------------------------------------------------


def _model(body: dict, kinds: tuple[str, ...], *, required: bool = True) -> CatalogModel:
    model_id = field(body, "model", str, required=required)
    if model_id is None:
        models = field(body, "models", list)
        model_id = models[0] if models and isinstance(models[0], str) else DEFAULT_CHAT_MODEL
    model = find_model(model_id)
    if model is None:
        raise ApiError(404, f"Model {model_id} not found", metadata={"error_type": "not_found"})
    if model.kind not in kinds:
        raise ApiError(400, f"{model.id} does not support this endpoint")
    return model


def _text(content) -> str:
    """Flatten message content (a string or a list of parts) to its text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part.get("text", "") if isinstance(part, dict) else str(part) for part in content
        )
    return ""


def _messages(body: dict, name: str = "messages") -> list[dict]:
    messages = field(body, name, list, required=True)
    if not messages:
        raise ApiError(400, f"{name} must not be empty")
    for message in messages:
        if not isinstance(message, dict) or "role" not in message:
            raise ApiError(400, f"every item of {name} needs a role")
    return messages


def _max_tokens(body: dict, *names: str) -> int | None:
    for name in names:
        value = field(body, name, int, nullable=True)
        if value is not None:
            if value < 1:
                raise ApiError(400, f"{name} must be at least 1")
            return value
    return None


def _reply(model: CatalogModel, prompt: str, max_tokens: int | None) -> tuple[str, str]:
    """A deterministic answer and its finish reason."""
    digest = hashlib.sha256(f"{model.id}\n{prompt}".encode()).hexdigest()[:12]
    excerpt = " ".join(prompt.split()[:12])
    text = (
        f"Sandbox reply {digest} from {model.name}. You said: {excerpt!r}. "
        "This answer is generated locally and costs sandbox credits only."
    )
    if max_tokens is not None and count_tokens(text) > max_tokens:
        return text[: max_tokens * 4], "length"
    return text, "stop"


def _reasoning_tokens(model: CatalogModel, body: dict) -> int:
    return 24 if "reasoning" in model.supported_parameters and body.get("reasoning") else 0


def _sse(events, *, done: bool) -> StreamingHttpResponse:
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
    return response


def _chunks(text: str, size: int = 24) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _usage_json(model: CatalogModel, charge: Charge, generation) -> dict:
    cost = charge.cost(model)
    return {
        "prompt_tokens": charge.prompt_tokens,
        "completion_tokens": charge.completion_tokens,
        "total_tokens": charge.prompt_tokens + charge.completion_tokens,
        "cost": generation.usage,
        "is_byok": generation.is_byok,
        "prompt_tokens_details": {
            "cached_tokens": charge.cached_tokens,
            "cache_write_tokens": 0,
            "audio_tokens": 0,
            "video_tokens": 0,
        },
        "completion_tokens_details": {
            "reasoning_tokens": charge.reasoning_tokens,
            "image_tokens": 0,
            "audio_tokens": 0,
        },
        "cost_details": {
            "upstream_inference_cost": cost,
            "upstream_inference_prompt_cost": charge.prompt_cost(model),
            "upstream_inference_completions_cost": round(cost - charge.prompt_cost(model), 10),
        },
    }


def _serve(request, caller: Caller, model: CatalogModel, charge: Charge, **record_kwargs):
    route = authorize(caller, model, charge, request=request, body=record_kwargs.get("body"))
    return record(request, caller, model, charge, route=route, **record_kwargs)


def _stream_flag(body: dict) -> bool:
    return bool(field(body, "stream", bool, nullable=True, default=False))


# --- chat completions ---------------------------------------------------------------------


@endpoint(auth="key", methods=("POST",))
def chat_completions(request, caller: Caller):
    body = json_body(request)
    messages = _messages(body)
    model = _model(body, ("chat",), required=False)
    stream = _stream_flag(body)
    prompt = "\n".join(_text(m.get("content")) for m in messages)
    text, finish = _reply(model, prompt, _max_tokens(body, "max_completion_tokens", "max_tokens"))
    charge = Charge(
        prompt_tokens=count_tokens(prompt) + 3 * len(messages),
        completion_tokens=count_tokens(text),
        reasoning_tokens=_reasoning_tokens(model, body),
    )
    generation = _serve(
        request,
        caller,
        model,
        charge,
        api_type="completions",
        body=body,
        finish_reason=finish,
        streamed=stream,
        content_input={"messages": messages},
        content_output={"completion": text, "reasoning": None},
    )
    created = int(generation.created_at.timestamp())
    head = {
        "id": generation.id,
        "created": created,
        "model": model.id,
        "provider": generation.provider_name,
        "system_fingerprint": None,
    }
    if not stream:
        return JsonResponse(
            {
                **head,
                "object": "chat.completion",
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": finish,
                        "native_finish_reason": finish,
                        "logprobs": None,
                        "message": {
                            "role": "assistant",
                            "content": text,
                            "refusal": None,
                            "reasoning": None,
                        },
                    }
                ],
                "usage": _usage_json(model, charge, generation),
            }
        )
    chunk = {**head, "object": "chat.completion.chunk"}
    events = [
        {
            **chunk,
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
            ],
        }
    ]
    events += [
        {**chunk, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
        for piece in _chunks(text)
    ]
    events.append(
        {
            **chunk,
            "choices": [
                {"index": 0, "delta": {}, "finish_reason": finish, "native_finish_reason": finish}
            ],
            "usage": _usage_json(model, charge, generation),
        }
    )
    return _sse(events, done=True)


# --- Anthropic messages -------------------------------------------------------------------

ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    408: "timeout_error",
    429: "rate_limit_error",
    503: "overloaded_error",
    529: "overloaded_error",
}


def anthropic_errors(view):
    """The Anthropic skin answers errors in Anthropic's shape (``type: error``)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code < 400 or not response["Content-Type"].startswith(
            "application/json"
        ):
            return response
        error = json.loads(response.content).get("error", {})
        body = {
            "type": "error",
            "error": {
                "type": ANTHROPIC_ERROR_TYPES.get(response.status_code, "api_error"),
                "message": error.get("message", ""),
            },
            "request_id": response.get("X-Request-Id"),
        }
        if error.get("metadata"):
            body["metadata"] = error["metadata"]
        response.content = json.dumps(body).encode()
        return response

    return wrapper


@anthropic_errors
@endpoint(auth="key", methods=("POST",))
def messages(request, caller: Caller):
    body = json_body(request)
    items = _messages(body)
    model = _model(body, ("chat",))
    stream = _stream_flag(body)
    system = body.get("system")
    prompt = "\n".join([_text(system)] + [_text(m.get("content")) for m in items]).strip()
    text, finish = _reply(model, prompt, _max_tokens(body, "max_tokens"))
    charge = Charge(
        prompt_tokens=count_tokens(prompt) + 3 * len(items), completion_tokens=count_tokens(text)
    )
    generation = _serve(
        request,
        caller,
        model,
        charge,
        api_type="completions",
        body=body,
        finish_reason=finish,
        streamed=stream,
        content_input={"messages": items},
        content_output={"completion": text, "reasoning": None},
    )
    stop_reason = "end_turn" if finish == "stop" else "max_tokens"
    usage = {
        "input_tokens": charge.prompt_tokens,
        "output_tokens": charge.completion_tokens,
        "output_tokens_details": {"thinking_tokens": 0},
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_creation": None,
        "server_tool_use": None,
        "service_tier": "standard",
        "inference_geo": None,
    }
    message = {
        "id": f"msg_{generation.id}",
        "type": "message",
        "role": "assistant",
        "model": model.id,
        "content": [{"type": "text", "text": text, "citations": None}],
        "stop_reason": stop_reason,
        "stop_details": None,
        "stop_sequence": None,
        "usage": usage,
        "container": None,
        "provider": generation.provider_name,
    }
    if not stream:
        return JsonResponse(message)
    start = {**message, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 0}}
    events = [
        ("message_start", {"type": "message_start", "message": start}),
        (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": "", "citations": None},
            },
        ),
    ]
    events += [
        (
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": piece},
            },
        )
        for piece in _chunks(text)
    ]
    events += [
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop_reason, "stop_sequence": None, "container": None},
                "usage": {
                    "output_tokens": charge.completion_tokens,
                    "input_tokens": charge.prompt_tokens,
                },
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    return _sse(events, done=False)


# --- OpenAI Responses ---------------------------------------------------------------------


def _responses_input(body: dict) -> tuple[str, list | str]:
    raw = body.get("input")
    if raw is None:
        raise ApiError(400, "input is required")
    if isinstance(raw, str):
        return raw, raw
    if isinstance(raw, list):
        parts = []
        for item in raw:
            if isinstance(item, dict):
                parts.append(_text(item.get("content")))
            elif isinstance(item, str):
                parts.append(item)
        return "\n".join(parts), raw
    raise ApiError(400, "input must be a string or a list of input items")


@endpoint(auth="key", methods=("POST",))
def responses(request, caller: Caller):
    body = json_body(request)
    model = _model(body, ("chat",), required=False)
    stream = _stream_flag(body)
    prompt, raw_input = _responses_input(body)
    instructions = field(body, "instructions", str, nullable=True)
    full_prompt = f"{instructions}\n{prompt}" if instructions else prompt
    text, finish = _reply(model, full_prompt, _max_tokens(body, "max_output_tokens"))
    charge = Charge(
        prompt_tokens=count_tokens(full_prompt),
        completion_tokens=count_tokens(text),
        reasoning_tokens=_reasoning_tokens(model, body),
    )
    generation = _serve(
        request,
        caller,
        model,
        charge,
        api_type="completions",
        body=body,
        finish_reason=finish,
        streamed=stream,
        content_input={"prompt": full_prompt}
        if isinstance(raw_input, str)
        else {"messages": raw_input},
        content_output={"completion": text, "reasoning": None},
    )
    created = int(generation.created_at.timestamp())
    output_item = {
        "type": "message",
        "id": f"msg_{generation.id}",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
    }
    cost = charge.cost(model)
    result = {
        "id": f"resp_{generation.id}",
        "object": "response",
        "created_at": created,
        "completed_at": created,
        "status": "completed" if finish == "stop" else "incomplete",
        "error": None,
        "incomplete_details": None if finish == "stop" else {"reason": "max_output_tokens"},
        "instructions": instructions,
        "metadata": body.get("metadata") if isinstance(body.get("metadata"), dict) else None,
        "model": model.id,
        "output": [output_item],
        "output_text": text,
        "parallel_tool_calls": bool(body.get("parallel_tool_calls", True)),
        "temperature": body.get("temperature"),
        "top_p": body.get("top_p"),
        "presence_penalty": body.get("presence_penalty"),
        "frequency_penalty": body.get("frequency_penalty"),
        "tool_choice": "auto",
        "tools": [],
        "max_output_tokens": body.get("max_output_tokens"),
        "previous_response_id": None,
        "store": False,
        "usage": {
            "input_tokens": charge.prompt_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": charge.completion_tokens,
            "output_tokens_details": {"reasoning_tokens": charge.reasoning_tokens},
            "total_tokens": charge.prompt_tokens + charge.completion_tokens,
            "cost": generation.usage,
            "is_byok": generation.is_byok,
            "cost_details": {
                "upstream_inference_cost": cost,
                "upstream_inference_input_cost": charge.prompt_cost(model),
                "upstream_inference_output_cost": round(cost - charge.prompt_cost(model), 10),
            },
        },
    }
    if not stream:
        return JsonResponse(result)
    pending = {**result, "status": "in_progress", "output": [], "completed_at": None, "usage": None}
    events = [
        {"type": "response.created", "response": pending, "sequence_number": 0},
        {"type": "response.in_progress", "response": pending, "sequence_number": 1},
    ]
    seq = 2
    for piece in _chunks(text):
        events.append(
            {
                "type": "response.output_text.delta",
                "item_id": output_item["id"],
                "output_index": 0,
                "content_index": 0,
                "delta": piece,
                "logprobs": [],
                "sequence_number": seq,
            }
        )
        seq += 1
    events.append({"type": "response.completed", "response": result, "sequence_number": seq})
    return _sse(events, done=True)


# --- embeddings and rerank ----------------------------------------------------------------


def _vector(text: str, dims: int) -> list[float]:
    rng = random.Random(hashlib.sha256(text.encode()).digest())
    values = [rng.uniform(-1, 1) for _ in range(dims)]
    norm = sum(v * v for v in values) ** 0.5 or 1.0
    return [round(v / norm, 6) for v in values]


@endpoint(auth="key", methods=("POST",))
def embeddings(request, caller: Caller):
    body = json_body(request)
    model = _model(body, ("embedding",))
    raw = body.get("input")
    if isinstance(raw, str):
        inputs = [raw]
    elif isinstance(raw, list) and raw and all(isinstance(x, str) for x in raw):
        inputs = raw
    elif isinstance(raw, list) and raw and all(isinstance(x, int) for x in raw):
        inputs = [" ".join(map(str, raw))]
    else:
        raise ApiError(400, "input must be a string or a non-empty list of strings")
    dims = field(body, "dimensions", int, nullable=True) or 256
    if not 1 <= dims <= 4096:
        raise ApiError(400, "dimensions must be between 1 and 4096")
    encoding = field(body, "encoding_format", str, choices=("float", "base64"), default="float")
    charge = Charge(prompt_tokens=sum(count_tokens(t) for t in inputs), completion_tokens=0)
    generation = _serve(
        request, caller, model, charge, api_type="embeddings", body=body, finish_reason=None
    )
    data = []
    for index, text in enumerate(inputs):
        vector = _vector(text, dims)
        if encoding == "base64":
            vector = base64.b64encode(struct.pack(f"<{dims}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": vector})
    cost = charge.cost(model)
    return JsonResponse(
        {
            "id": generation.id,
            "object": "list",
            "model": model.id,
            "data": data,
            "usage": {
                "prompt_tokens": charge.prompt_tokens,
                "total_tokens": charge.prompt_tokens,
                "cost": generation.usage,
                "is_byok": generation.is_byok,
                "cost_details": {
                    "upstream_inference_cost": cost,
                    "upstream_inference_prompt_cost": cost,
                    "upstream_inference_completions_cost": 0.0,
                },
            },
        }
    )


def _doc_text(doc) -> str:
    if isinstance(doc, str):
        return doc
    if isinstance(doc, dict) and isinstance(doc.get("text"), str):
        return doc["text"]
    raise ApiError(400, "documents must be strings or objects with a text field")


@endpoint(auth="key", methods=("POST",))
def rerank(request, caller: Caller):
    body = json_body(request)
    model = _model(body, ("rerank",))
    query = field(body, "query", str, required=True)
    documents = field(body, "documents", list, required=True)
    if not documents:
        raise ApiError(400, "documents must not be empty")
    top_n = field(body, "top_n", int, nullable=True) or len(documents)
    if top_n < 1:
        raise ApiError(400, "top_n must be at least 1")
    texts = [_doc_text(d) for d in documents]
    words = set(query.lower().split())
    scored = []
    for index, text in enumerate(texts):
        overlap = len(words & set(text.lower().split())) / (len(words) or 1)
        jitter = int(hashlib.sha256(f"{query}|{text}".encode()).hexdigest()[:4], 16) / 65535 / 100
        scored.append((round(min(1.0, overlap + jitter), 6), index))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    tokens = count_tokens(query) * len(texts) + sum(count_tokens(t) for t in texts)
    charge = Charge(prompt_tokens=tokens, completion_tokens=0, units=1)
    generation = _serve(
        request, caller, model, charge, api_type="rerank", body=body, finish_reason=None
    )
    return JsonResponse(
        {
            "id": generation.id,
            "model": model.id,
            "provider": generation.provider_name,
            "results": [
                {"index": index, "relevance_score": score, "document": {"text": texts[index]}}
                for score, index in scored[:top_n]
            ],
            "usage": {"search_units": 1, "total_tokens": tokens, "cost": generation.usage},
        }
    )


# --- audio --------------------------------------------------------------------------------


@endpoint(auth="key", methods=("POST",))
def speech(request, caller: Caller):
    body = json_body(request)
    model = _model(body, ("speech",))
    text = field(body, "input", str, required=True)
    if not text.strip():
        raise ApiError(400, "input must not be empty")
    voice = field(body, "voice", str, required=True)
    voices = model.extra.get("voices", ())
    if voices and voice not in voices:
        raise ApiError(400, f"voice must be one of: {', '.join(voices)}")
    fmt = field(body, "response_format", str, choices=("mp3", "pcm"), default="pcm")
    speed = field(body, "speed", (int, float), default=1.0)
    if not 0.25 <= speed <= 4.0:
        raise ApiError(400, "speed must be between 0.25 and 4.0")
    seconds = max(0.5, len(text) / 15 / speed)  # ~15 characters a second
    prompt_tokens = count_tokens(text)
    charge = Charge(prompt_tokens=prompt_tokens, completion_tokens=int(seconds * 20))
    generation = _serve(
        request, caller, model, charge, api_type="tts", body=body, finish_reason=None
    )
    if fmt == "mp3":
        response = HttpResponse(media.mp3_silence(seconds), content_type="audio/mpeg")
    else:
        response = HttpResponse(media.pcm_tone(seconds), content_type="audio/pcm")
    response["X-Generation-Id"] = generation.id
    return response


@endpoint(auth="key", methods=("POST",))
def transcriptions(request, caller: Caller):
    body = json_body(request)
    model = _model(body, ("transcription",))
    audio = field(body, "input_audio", dict, required=True)
    data, fmt = audio.get("data"), audio.get("format")
    if not isinstance(data, str) or not isinstance(fmt, str):
        raise ApiError(400, "input_audio needs data (base64) and format")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, "input_audio.data must be base64") from None
    if not raw:
        raise ApiError(400, "input_audio.data must not be empty")
    language = field(body, "language", str, default="en")
    seconds = round(max(0.1, len(raw) / 32000), 3)  # 16 kHz, 16-bit mono
    text = (
        f"Sandbox transcription of {seconds:g} seconds of {fmt} audio "
        f"({hashlib.sha256(raw).hexdigest()[:8]})."
    )
    charge = Charge(prompt_tokens=0, completion_tokens=count_tokens(text), units=seconds)
    generation = _serve(
        request, caller, model, charge, api_type="stt", body=body, finish_reason=None
    )
    return JsonResponse(
        {
            "text": text,
            "language": language,
            "duration": seconds,
            "usage": {
                "seconds": seconds,
                "input_tokens": 0,
                "output_tokens": charge.completion_tokens,
                "total_tokens": charge.completion_tokens,
                "cost": generation.usage,
            },
        }
    )


# --- images -------------------------------------------------------------------------------


@endpoint(auth="key", methods=("POST",))
def images(request, caller: Caller):
    body = json_body(request)
    model = _model(body, ("image", "chat"))
    if "image" not in model.output_modalities:
        raise ApiError(400, f"{model.id} does not generate images")
    prompt = field(body, "prompt", str, required=True)
    if not prompt.strip():
        raise ApiError(400, "prompt must not be empty")
    n = field(body, "n", int, default=1)
    if not 1 <= n <= 4:
        raise ApiError(400, "n must be between 1 and 4")
    if field(body, "stream", bool, nullable=True):
        raise ApiError(400, f"{model.id} does not support streaming")
    fmt = field(body, "output_format", str, choices=("png", "jpeg", "webp", "svg"), default="png")
    if fmt != "png":
        raise ApiError(400, "the sandbox only renders png")
    charge = Charge(prompt_tokens=count_tokens(prompt), completion_tokens=0, units=n)
    generation = _serve(
        request,
        caller,
        model,
        charge,
        api_type="image",
        body=body,
        content_input={"prompt": prompt},
    )
    cost = charge.cost(model)
    return JsonResponse(
        {
            "created": int(generation.created_at.timestamp()),
            "data": [
                {"b64_json": media.png_b64(f"{prompt}#{i}"), "media_type": "image/png"}
                for i in range(n)
            ],
            "usage": {
                "prompt_tokens": charge.prompt_tokens,
                "completion_tokens": 0,
                "total_tokens": charge.prompt_tokens,
                "cost": generation.usage,
                "is_byok": generation.is_byok,
                "cost_details": {
                    "upstream_inference_cost": cost,
                    "upstream_inference_prompt_cost": charge.prompt_cost(model),
                    "upstream_inference_completions_cost": round(
                        cost - charge.prompt_cost(model), 10
                    ),
                },
            },
        }
    )


# --- credits ------------------------------------------------------------------------------


@endpoint(auth="optional", methods=("POST",))
def coinbase_gone(request, caller: Caller | None):
    """Coinbase top-ups were retired upstream: the route answers 410 Gone."""
    raise ApiError(410, "Coinbase Commerce charges are no longer supported")

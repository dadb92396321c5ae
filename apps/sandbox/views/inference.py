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

from django.http import HttpResponse, JsonResponse

from apps.sandbox import fakegen, media, streams
from apps.sandbox.catalog import CatalogModel, find_model
from apps.sandbox.http import ApiError, Caller, endpoint, field, json_body
from apps.sandbox.metering import Charge, authorize, count_tokens, record
from apps.sandbox.models import Generation

DEFAULT_CHAT_MODEL = "openai/gpt-4o-mini"


# --- shared helpers -----------------------------------------------------------------------


def _model(
    body: dict, kinds: tuple[str, ...], *, required: bool = True, prompt: str = ""
) -> CatalogModel:
    model_id = field(body, "model", str, required=required)
    if model_id is None:
        models = field(body, "models", list)
        model_id = models[0] if models and isinstance(models[0], str) else DEFAULT_CHAT_MODEL
    if model_id == fakegen.AUTO_ROUTER and "chat" in kinds:
        return fakegen.route_auto(body, prompt)
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


def _finish(request, body: dict, generation, response):
    """Every answer names its generation (``X-Generation-Id``, upstream's header); a call
    to ``openrouter/auto`` records the router on it."""
    if body.get("model") == fakegen.AUTO_ROUTER:
        Generation.objects.filter(id=generation.id).update(router=fakegen.AUTO_ROUTER)
    response["X-Generation-Id"] = generation.id
    return response


def _fingerprint(model: CatalogModel) -> str | None:
    return streams.fingerprint(model.id) if model.provider == "openai" else None


# --- chat completions ---------------------------------------------------------------------


@endpoint(auth="key", methods=("POST",))
def chat_completions(request, caller: Caller):
    body = json_body(request)
    messages = _messages(body)
    prompt = "\n".join(_text(m.get("content")) for m in messages)
    model = _model(body, ("chat",), required=False, prompt=prompt)
    stream = _stream_flag(body)
    ask = fakegen.chat_ask(model, body, messages)
    max_tokens = _max_tokens(body, "max_completion_tokens", "max_tokens")
    answer = fakegen.answer(model, ask, max_tokens, id_prefix="call_")
    charge = Charge(
        prompt_tokens=count_tokens(ask.prompt) + 3 * len(messages),
        completion_tokens=answer.completion_tokens,
        reasoning_tokens=answer.reasoning_tokens,
        units=len(answer.images),
    )
    generation = _serve(
        request,
        caller,
        model,
        charge,
        api_type="completions",
        body=body,
        finish_reason=answer.finish,
        streamed=stream,
        content_input={"messages": messages},
        content_output={"completion": answer.text, "reasoning": answer.reasoning},
    )
    head = {
        "id": generation.id,
        "created": int(generation.created_at.timestamp()),
        "model": model.id,
        "provider": generation.provider_name,
    }
    logprobs = (
        fakegen.logprobs(answer.text, ask.logprobs, generation.id)
        if ask.logprobs is not None and answer.text is not None
        else None
    )
    usage = _usage_json(model, charge, generation)
    if stream:
        if _fingerprint(model):  # a chunk's fingerprint is a string or absent, never null
            head["system_fingerprint"] = _fingerprint(model)
        events = streams.chat_stream(head, answer, usage, logprobs)
        return _finish(
            request, body, generation, streams.sse(request, events, generation_id=generation.id)
        )
    choice = {
        "index": 0,
        "finish_reason": answer.finish,
        "native_finish_reason": answer.finish,
        "logprobs": {"content": logprobs, "refusal": None} if logprobs is not None else None,
        "message": streams.chat_message(answer),
    }
    result = {
        **head,
        "object": "chat.completion",
        "system_fingerprint": _fingerprint(model),
        "choices": [choice],
        "usage": usage,
    }
    return _finish(request, body, generation, JsonResponse(result))


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
    system = body.get("system")
    prompt = "\n".join([_text(system)] + [fakegen.flatten(m.get("content")) for m in items])
    prompt = prompt.strip()
    model = _model(body, ("chat",), prompt=prompt)
    stream = _stream_flag(body)
    ask = fakegen.messages_ask(model, body, items, prompt)
    answer = fakegen.answer(model, ask, _max_tokens(body, "max_tokens"), id_prefix="toolu_")
    charge = Charge(
        prompt_tokens=count_tokens(prompt) + 3 * len(items),
        completion_tokens=answer.completion_tokens,
        reasoning_tokens=answer.reasoning_tokens,
    )
    generation = _serve(
        request,
        caller,
        model,
        charge,
        api_type="completions",
        body=body,
        finish_reason=answer.finish,
        streamed=stream,
        content_input={"messages": items},
        content_output={"completion": answer.text, "reasoning": answer.reasoning},
    )
    stop_reason = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}
    usage = {
        "input_tokens": charge.prompt_tokens,
        "output_tokens": charge.completion_tokens,
        "output_tokens_details": {"thinking_tokens": charge.reasoning_tokens},
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
        "content": streams.messages_content(answer),
        "stop_reason": stop_reason[answer.finish],
        "stop_details": None,
        "stop_sequence": None,
        "usage": usage,
        "container": None,
        "provider": generation.provider_name,
    }
    if stream:
        events = streams.messages_stream(message, usage)
        return _finish(
            request, body, generation, streams.sse(request, events, generation_id=generation.id)
        )
    return _finish(request, body, generation, JsonResponse(message))


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
                output = item.get("output")  # a function_call_output item
                parts.append(output if isinstance(output, str) else _text(item.get("content")))
            elif isinstance(item, str):
                parts.append(item)
        return "\n".join(parts), raw
    raise ApiError(400, "input must be a string or a list of input items")


def _responses_tools(body: dict) -> list[dict]:
    """The function tools of the request, echoed the way the result lists them."""
    return [
        {
            "type": "function",
            "name": tool.get("name"),
            "description": tool.get("description"),
            "parameters": tool.get("parameters"),
            "strict": tool.get("strict"),
        }
        for tool in body.get("tools") or []
        if isinstance(tool, dict) and tool.get("type") == "function"
    ]


@endpoint(auth="key", methods=("POST",))
def responses(request, caller: Caller):
    body = json_body(request)
    prompt, raw_input = _responses_input(body)
    instructions = field(body, "instructions", str, nullable=True)
    full_prompt = f"{instructions}\n{prompt}" if instructions else prompt
    model = _model(body, ("chat",), required=False, prompt=full_prompt)
    stream = _stream_flag(body)
    ask = fakegen.responses_ask(model, body, raw_input, full_prompt)
    answer = fakegen.answer(model, ask, _max_tokens(body, "max_output_tokens"), id_prefix="call_")
    charge = Charge(
        prompt_tokens=count_tokens(full_prompt),
        completion_tokens=answer.completion_tokens,
        reasoning_tokens=answer.reasoning_tokens,
    )
    generation = _serve(
        request,
        caller,
        model,
        charge,
        api_type="completions",
        body=body,
        finish_reason=answer.finish,
        streamed=stream,
        content_input={"prompt": full_prompt}
        if isinstance(raw_input, str)
        else {"messages": raw_input},
        content_output={"completion": answer.text, "reasoning": answer.reasoning},
    )
    created = int(generation.created_at.timestamp())
    cost = charge.cost(model)
    complete = answer.finish != "length"
    result = {
        "id": f"resp_{generation.id}",
        "object": "response",
        "created_at": created,
        "completed_at": created,
        "status": "completed" if complete else "incomplete",
        "error": None,
        "incomplete_details": None if complete else {"reason": "max_output_tokens"},
        "instructions": instructions,
        "metadata": body.get("metadata") if isinstance(body.get("metadata"), dict) else None,
        "model": model.id,
        "output": streams.responses_output(answer, generation.id),
        "output_text": answer.text or "",
        "parallel_tool_calls": bool(body.get("parallel_tool_calls", True)),
        "temperature": body.get("temperature"),
        "top_p": body.get("top_p"),
        "presence_penalty": body.get("presence_penalty"),
        "frequency_penalty": body.get("frequency_penalty"),
        "tool_choice": body.get("tool_choice") or "auto",
        "tools": _responses_tools(body),
        "text": body["text"]
        if isinstance(body.get("text"), dict)
        else {"format": {"type": "text"}},
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
    if stream:
        events = streams.responses_stream(result)
        return _finish(
            request, body, generation, streams.sse(request, events, generation_id=generation.id)
        )
    return _finish(request, body, generation, JsonResponse(result))


# --- embeddings and rerank ----------------------------------------------------------------


def _vector(text: str, dims: int) -> list[float]:
    rng = random.Random(hashlib.sha256(text.encode()).digest())
    values = [rng.uniform(-1, 1) for _ in range(dims)]
    norm = sum(v * v for v in values) ** 0.5 or 1.0
    return [round(v / norm, 6) for v in values]


# What the real models return when ``dimensions`` is not given.
EMBEDDING_DIMENSIONS = {
    "openai/text-embedding-3-small": 1536,
    "openai/text-embedding-3-large": 3072,
    "mistralai/mistral-embed-2312": 1024,
    "qwen/qwen3-embedding-8b": 4096,
    "google/gemini-embedding-001": 3072,
}


def _embedding_inputs(raw) -> tuple[list[str], int]:
    """The texts to embed and their token count, for every input form of the schema:
    a string, strings, a token array, token arrays, or multimodal content objects."""
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise ApiError(400, "input must be a non-empty string, array of strings or token arrays")
    if all(_is_number(x) for x in raw):
        raw = [raw]
    texts, tokens = [], 0
    for item in raw:
        if isinstance(item, str) and item:
            texts.append(item)
            tokens += count_tokens(item)
        elif isinstance(item, list) and item and all(_is_number(x) for x in item):
            texts.append(" ".join(map(str, item)))
            tokens += len(item)
        elif isinstance(item, dict) and isinstance(item.get("content"), list) and item["content"]:
            text = fakegen.flatten(item["content"]) or json.dumps(item["content"], sort_keys=True)
            texts.append(text)
            tokens += count_tokens(text)
        else:
            raise ApiError(
                400, "each input must be a non-empty string, token array or content object"
            )
    return texts, tokens


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@endpoint(auth="key", methods=("POST",))
def embeddings(request, caller: Caller):
    body = json_body(request)
    model = _model(body, ("embedding",))
    if "input" not in body:
        raise ApiError(400, "input is required")
    inputs, prompt_tokens = _embedding_inputs(body["input"])
    default_dims = EMBEDDING_DIMENSIONS.get(model.id, 1024)
    dims = field(body, "dimensions", int, nullable=True) or default_dims
    if not 1 <= dims <= max(default_dims, 4096):
        raise ApiError(400, f"dimensions must be between 1 and {max(default_dims, 4096)}")
    encoding = field(body, "encoding_format", str, choices=("float", "base64"), default="float")
    charge = Charge(prompt_tokens=prompt_tokens, completion_tokens=0)
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
    answer = JsonResponse(
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
    return _finish(request, body, generation, answer)


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
    answer = JsonResponse(
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
    return _finish(request, body, generation, answer)


# --- credits ------------------------------------------------------------------------------


@endpoint(auth="optional", methods=("POST",))
def coinbase_gone(request, caller: Caller | None):
    """Coinbase top-ups were retired upstream: the route answers 410 Gone."""
    raise ApiError(410, "Coinbase Commerce charges are no longer supported")

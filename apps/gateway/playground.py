"""The playground's calls, each with an ordinary key (never the management key).

Chat runs in three shapes: OpenAI Chat Completions (through the SDK, like presets), and
Anthropic Messages and OpenAI Responses, which the SDK (1.3.84) either lacks or models
without the response headers; those are sent on the gateway's own pooled client and read
as server-sent events. The other modalities (embeddings, rerank, images, speech,
transcription) are plain JSON or binary answers read the same way, so the generation id
upstream names in ``X-Generation-Id`` is kept. Every call goes through
:func:`apps.gateway.inference.run`: retries, error mapping, and a 402/403 naming the layer
that refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
from django.conf import settings
from openrouter import errors as sdk_errors

from apps.gateway import errors
from apps.gateway.core import Credentials
from apps.gateway.inference import chat_stream, run
from apps.gateway.transport import http_client

SHAPES = ("chat", "messages", "responses")
SHAPE_MESSAGES = "messages"
SHAPE_RESPONSES = "responses"


@dataclass
class Usage:
    """What a call cost and which generation it was (``None``: upstream did not say)."""

    generation_id: str = ""
    model: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    units: Decimal | None = None
    cost: Decimal | None = None
    finish_reason: str = ""
    extra: dict = field(default_factory=dict)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _headers(creds: Credentials) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {creds.api_key}",
        "HTTP-Referer": settings.OPENROUTER_APP_URL,
        "X-OpenRouter-Title": settings.OPENROUTER_APP_TITLE,
    }


def _url(creds: Credentials, path: str) -> str:
    return f"{creds.base_url.rstrip('/')}{path}"


def _openrouter_body(text: str) -> str | None:
    """An Anthropic-shaped error body (``metadata`` beside ``error``) in OpenRouter's shape
    (``error.metadata``), so the layer that refused is read the same way; else ``None``."""
    try:
        body = json.loads(text)
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return None
    if isinstance(body.get("metadata"), dict) and "metadata" not in body["error"]:
        return json.dumps({"error": {**body["error"], "metadata": body["metadata"]}})
    return None


def _checked(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        response.read()
        response.close()
        # Raised as the SDK's own error so core maps it (status, Retry-After, metadata).
        body = _openrouter_body(response.text)
        raise sdk_errors.OpenRouterDefaultError("API error occurred", response, body)
    return response


def _post(creds: Credentials, path: str, body: dict) -> httpx.Response:
    """One POST answered whole (not retried: every call here is charged)."""

    def send(_sdk) -> httpx.Response:
        return _checked(http_client().post(_url(creds, path), json=body, headers=_headers(creds)))

    return run(creds, send, idempotent=False)


def _json(response: httpx.Response) -> dict:
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise errors.UpstreamError(
            "OpenRouter answered in a shape the console does not understand."
        )
    return payload


# --- chat, in three shapes ----------------------------------------------------------------------


def chat_events(
    creds: Credentials, *, shape: str, model: str, prompt: str, max_tokens: int | None = None
) -> Iterator[tuple[str, Any]]:
    """Yields ``("text", delta)`` as the answer arrives, then ``("usage", Usage)``.

    A refusal before the first piece raises like :func:`run`; an error event or a dropped
    connection mid-way raises :class:`UpstreamError` after the pieces before it.
    """
    if shape == SHAPE_MESSAGES:
        body = {
            "model": model,
            "max_tokens": max_tokens or 1024,
            "messages": [{"role": "user", "content": prompt}],
            "stream": True,
        }
        return _messages_events(creds, body)
    if shape == SHAPE_RESPONSES:
        body = {"model": model, "input": prompt, "stream": True}
        if max_tokens:
            body["max_output_tokens"] = max_tokens
        return _responses_events(creds, body)
    params = {"max_tokens": max_tokens} if max_tokens else {}
    return _chat_events(creds, model, prompt, params)


def _chat_events(creds: Credentials, model: str, prompt: str, params: dict):
    usage = Usage(model=model)
    messages = [{"role": "user", "content": prompt}]
    for chunk in chat_stream(creds, model=model, messages=messages, **params):
        usage.generation_id = usage.generation_id or str(chunk.id or "")
        for choice in chunk.choices or []:
            delta = choice.delta.content if choice.delta else None
            if delta:
                yield "text", delta
            if choice.finish_reason:
                usage.finish_reason = str(choice.finish_reason)
        if chunk.usage is not None:
            usage.prompt_tokens = int(chunk.usage.prompt_tokens)
            usage.completion_tokens = int(chunk.usage.completion_tokens)
            usage.cost = _decimal(chunk.usage.cost)
    yield "usage", usage


def _sse(creds: Credentials, path: str, body: dict) -> Iterator[tuple[str, dict]]:
    """``(event name, data)`` of a server-sent event stream, until ``[DONE]`` or the end."""
    client = http_client()

    def open_stream(_sdk) -> httpx.Response:
        request = client.build_request(
            "POST", _url(creds, path), json=body, headers=_headers(creds)
        )
        return _checked(client.send(request, stream=True))

    response = run(creds, open_stream, idempotent=False)
    yield "headers", dict(response.headers)
    name, data = "", []
    try:
        for line in response.iter_lines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
            elif not line.strip() and data:
                raw = "\n".join(data)
                if raw == "[DONE]":
                    return
                try:
                    payload = json.loads(raw)
                except ValueError:
                    payload = {}
                yield name or str(payload.get("type", "")), payload
                name, data = "", []
    except httpx.TimeoutException:
        raise errors.UpstreamTimeout() from None
    except httpx.TransportError:
        raise errors.UpstreamUnavailable(
            "The connection to OpenRouter dropped mid-answer."
        ) from None
    finally:
        response.close()


def _failed(message: Any) -> errors.UpstreamError:
    return errors.UpstreamError(
        "The answer stopped: the provider failed mid-stream.",
        status=502,
        upstream_message=str(message or "")[:300],
    )


def _messages_events(creds: Credentials, body: dict):
    usage = Usage(model=body["model"])
    for name, data in _sse(creds, "/messages", body):
        if name == "headers":
            usage.generation_id = data.get("x-generation-id", "")
        elif name == "message_start":
            start = data.get("message") or {}
            usage.model = str(start.get("model") or usage.model)
            usage.prompt_tokens = _int((start.get("usage") or {}).get("input_tokens"))
        elif name == "content_block_delta":
            delta = data.get("delta") or {}
            if delta.get("type") == "text_delta" and delta.get("text"):
                yield "text", delta["text"]
        elif name == "message_delta":
            end = data.get("usage") or {}
            usage.completion_tokens = _int(end.get("output_tokens"))
            if end.get("input_tokens") is not None:
                usage.prompt_tokens = _int(end["input_tokens"])
            usage.cost = _decimal(end.get("cost"))
            usage.finish_reason = str((data.get("delta") or {}).get("stop_reason") or "")
        elif name == "error":
            raise _failed((data.get("error") or {}).get("message"))
    yield "usage", usage


def _responses_events(creds: Credentials, body: dict):
    usage = Usage(model=body["model"])
    for name, data in _sse(creds, "/responses", body):
        if name == "headers":
            usage.generation_id = data.get("x-generation-id", "")
        elif name == "response.output_text.delta" and data.get("delta"):
            yield "text", data["delta"]
        elif name in ("response.completed", "response.incomplete"):
            result = data.get("response") or {}
            counted = result.get("usage") or {}
            usage.model = str(result.get("model") or usage.model)
            usage.prompt_tokens = _int(counted.get("input_tokens"))
            usage.completion_tokens = _int(counted.get("output_tokens"))
            usage.cost = _decimal(counted.get("cost"))
            usage.finish_reason = str(result.get("status") or "")
        elif name in ("error", "response.failed"):
            raise _failed(data.get("message") or ((data.get("response") or {}).get("error") or {}))
    yield "usage", usage


# --- embeddings and rerank --------------------------------------------------------------------


def embeddings(
    creds: Credentials, *, model: str, inputs: list[str], dimensions: int | None = None
) -> tuple[list[list[float]], Usage]:
    """``POST /embeddings``: one vector per input, in the inputs' order."""
    body: dict[str, Any] = {"model": model, "input": inputs, "encoding_format": "float"}
    if dimensions:
        body["dimensions"] = dimensions
    response = _post(creds, "/embeddings", body)
    payload = _json(response)
    rows = sorted(payload.get("data") or [], key=lambda row: int(row.get("index", 0)))
    vectors = [[float(x) for x in row.get("embedding") or []] for row in rows]
    counted = payload.get("usage") or {}
    usage = Usage(
        generation_id=str(payload.get("id") or response.headers.get("x-generation-id", "")),
        model=str(payload.get("model") or model),
        prompt_tokens=_int(counted.get("prompt_tokens")),
        cost=_decimal(counted.get("cost")),
    )
    return vectors, usage


def rerank(
    creds: Credentials, *, model: str, query: str, documents: list[str], top_n: int | None = None
) -> tuple[list[tuple[int, float]], Usage]:
    """``POST /rerank``: ``(document index, relevance score)`` best first."""
    body: dict[str, Any] = {"model": model, "query": query, "documents": documents}
    if top_n:
        body["top_n"] = top_n
    response = _post(creds, "/rerank", body)
    payload = _json(response)
    ranked = [
        (int(row["index"]), float(row.get("relevance_score") or 0))
        for row in payload.get("results") or []
        if isinstance(row, dict) and "index" in row
    ]
    counted = payload.get("usage") or {}
    usage = Usage(
        generation_id=str(payload.get("id") or response.headers.get("x-generation-id", "")),
        model=str(payload.get("model") or model),
        prompt_tokens=_int(counted.get("total_tokens")),
        units=_decimal(counted.get("search_units")),
        cost=_decimal(counted.get("cost")),
    )
    return ranked, usage


# --- images, speech, transcription ------------------------------------------------------------


def images(
    creds: Credentials, *, model: str, prompt: str, n: int = 1, aspect_ratio: str = ""
) -> tuple[list[dict], Usage]:
    """``POST /images``: each image as ``{"b64": …, "media_type": …}`` or ``{"url": …}``."""
    body: dict[str, Any] = {"model": model, "prompt": prompt, "n": n}
    if aspect_ratio:
        body["aspect_ratio"] = aspect_ratio
    response = _post(creds, "/images", body)
    payload = _json(response)
    found = []
    for row in payload.get("data") or []:
        if not isinstance(row, dict):
            continue
        if row.get("b64_json"):
            found.append(
                {"b64": str(row["b64_json"]), "media_type": row.get("media_type") or "image/png"}
            )
        elif row.get("url"):
            found.append({"url": str(row["url"])})
    counted = payload.get("usage") or {}
    usage = Usage(
        generation_id=str(payload.get("id") or response.headers.get("x-generation-id", "")),
        model=model,
        prompt_tokens=_int(counted.get("prompt_tokens")),
        completion_tokens=_int(counted.get("completion_tokens")),
        units=Decimal(len(found)),
        cost=_decimal(counted.get("cost")),
    )
    return found, usage


def speech(
    creds: Credentials, *, model: str, text: str, voice: str, speed: float | None = None
) -> tuple[bytes, str, Usage]:
    """``POST /audio/speech`` as MP3: ``(audio, content type, usage)``; the answer is the
    audio itself, so the cost is on the generation, not here."""
    body: dict[str, Any] = {"model": model, "input": text, "voice": voice, "response_format": "mp3"}
    if speed:
        body["speed"] = speed
    response = _post(creds, "/audio/speech", body)
    kind = response.headers.get("content-type", "audio/mpeg").split(";")[0].strip()
    if not kind.startswith("audio/"):
        raise errors.UpstreamError("OpenRouter answered with something other than audio.")
    usage = Usage(
        generation_id=response.headers.get("x-generation-id", ""),
        model=model,
        units=Decimal(len(text)),
    )
    return response.content, kind, usage


def transcription(
    creds: Credentials, *, model: str, audio_b64: str, audio_format: str, language: str = ""
) -> tuple[str, Usage]:
    """``POST /audio/transcriptions`` with the audio inline (base64)."""
    body: dict[str, Any] = {
        "model": model,
        "input_audio": {"data": audio_b64, "format": audio_format},
    }
    if language:
        body["language"] = language
    response = _post(creds, "/audio/transcriptions", body)
    payload = _json(response)
    counted = payload.get("usage") or {}
    usage = Usage(
        generation_id=str(payload.get("id") or response.headers.get("x-generation-id", "")),
        model=model,
        prompt_tokens=_int(counted.get("input_tokens")),
        completion_tokens=_int(counted.get("output_tokens")),
        units=_decimal(counted.get("seconds")),
        cost=_decimal(counted.get("cost")),
    )
    return str(payload.get("text") or ""), usage

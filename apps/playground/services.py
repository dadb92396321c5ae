"""The playground's runs: the person's own key (``apps.inference``), one gateway call, and
a row with the generation id and cost. Nothing else is kept unless the person saves the
exchange: its text is held in the cache for ten minutes, for them only, so "Save" can keep it
(``exchange_save``); after that it is gone."""

from __future__ import annotations

import base64
import math
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import transaction

from apps.audit.context import Actor
from apps.audit.services import audit_record
from apps.core.errors import Conflict, Gone
from apps.gateway import playground as gateway
from apps.gateway.errors import UpstreamError
from apps.gateway.inference import NoCredit, PolicyBlocked
from apps.inference import services as inference
from apps.playground.models import PlaygroundRun, SavedExchange

LOCK_SECONDS = 120


@dataclass
class Result:
    """What a run produced (kept so far when a stream is cut)."""

    modality: str
    model: str = ""
    text: str = ""
    generation_id: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    units: Decimal | None = None
    cost: Decimal | None = None
    finish_reason: str = ""
    error: str = ""
    cut: bool = False
    # The key a budget, a limit or a guardrail refused (its effective policy explains why).
    blocked_key: str = ""
    # What "Save" would keep (what was asked, what came back, as text), and its cache token.
    exchange: tuple[str, str] | None = None
    keep_token: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def take(self, usage: gateway.Usage) -> None:
        self.generation_id = usage.generation_id or self.generation_id
        self.model = usage.model or self.model
        self.prompt_tokens = usage.prompt_tokens
        self.completion_tokens = usage.completion_tokens
        self.units = usage.units
        self.cost = usage.cost
        self.finish_reason = usage.finish_reason


def _record(actor: Actor, result: Result) -> None:
    if not result.generation_id and result.cost is None:
        return
    PlaygroundRun.objects.create(
        organisation=actor.organisation,
        user=actor.user,
        modality=result.modality,
        model=result.model[:200],
        generation_id=result.generation_id[:100],
        cost=result.cost,
    )
    if result.exchange is not None:
        prompt, answer = result.exchange
        token = secrets.token_urlsafe(16)
        held = {
            "modality": result.modality,
            "model": result.model[:200],
            "prompt": prompt,
            "answer": answer,
            "generation_id": result.generation_id[:100],
            "cost": result.cost,
        }
        cache.set(_exchange_slot(actor, token), held, EXCHANGE_SECONDS)
        result.keep_token = token


# --- saved exchanges -----------------------------------------------------------------------------

EXCHANGE_SECONDS = 600
EXCHANGE_TARGET = "playground_exchange"


def _exchange_slot(actor: Actor, token: str) -> str:
    return f"playground:exchange:{actor.organisation.pk}:{actor.user.pk}:{token}"


def _exchange_audit(actor: Actor, action: str, saved: SavedExchange, side: str) -> None:
    """An audit entry for a saved exchange (its generation on ``side``: "before" or
    "after"): which one, never what was asked or answered."""
    audit_record(
        actor,
        action=action,
        target_type=EXCHANGE_TARGET,
        target_id=str(saved.pk),
        target_label=f"{saved.get_modality_display()} · {saved.model}",
        **{side: {"generation_id": saved.generation_id or None}},
    )


def exchange_save(actor: Actor, token: str) -> SavedExchange:
    """Keep a run its person just made (held for ten minutes after it ran), once."""
    slot = _exchange_slot(actor, token)
    held = cache.get(slot)
    if held is None:
        raise Gone(
            "This exchange is no longer held (runs are kept for saving for 10 minutes, or it "
            "was saved already): run it again to save it."
        )
    with transaction.atomic():
        saved = SavedExchange.objects.create(
            organisation=actor.organisation, user=actor.user, **held
        )
        _exchange_audit(actor, "playground.exchange_save", saved, "after")
    cache.delete(slot)
    return saved


def exchange_delete(actor: Actor, saved: SavedExchange) -> None:
    with transaction.atomic():
        _exchange_audit(actor, "playground.exchange_delete", saved, "before")
        saved.delete()


def _key(actor: Actor, session, use_session_key: bool):
    return inference.inference_key_for(actor, session=session, prefer_session=use_session_key)


BLOCKS = (NoCredit, PolicyBlocked)


@contextmanager
def _blocks_name(key):
    """A refusal by a limit, a budget or a guardrail carries the key it refused
    (``exc.key_hash``), so the page can link that key's effective policy."""
    try:
        yield
    except BLOCKS as exc:
        exc.key_hash = key.key_hash
        raise


# --- chat (streamed) -----------------------------------------------------------------------------


def _lock_key(actor: Actor) -> str:
    return f"playground:chat:{actor.organisation.pk}:{actor.user.pk}"


def chat_run(
    actor: Actor,
    *,
    model: str,
    shape: str,
    prompt: str,
    max_tokens: int | None = None,
    session=None,
    use_session_key: bool = False,
) -> ChatRun:
    """Yields ``("text", delta)`` as the answer arrives, then ``("done", Result)`` (also
    after a cut or a refusal, with ``error`` set and the text so far kept). One chat at a
    time per person."""
    if shape not in gateway.SHAPES:
        raise Conflict("Pick one of the offered API shapes.", field="shape")
    lock = _lock_key(actor)
    if not cache.add(lock, 1, LOCK_SECONDS):
        raise Conflict("A chat is already running for you: wait for that answer.")
    try:
        key = _key(actor, session, use_session_key)
    except BaseException:
        cache.delete(lock)
        raise
    events = _chat(actor, key, lock, model=model, shape=shape, prompt=prompt, max_tokens=max_tokens)
    return ChatRun(events, lock)


class ChatRun:
    """The run's events; ``close()`` (the response calls it when the browser leaves) stops
    the upstream stream and frees the person's slot."""

    def __init__(self, events: Iterator[tuple[str, Any]], lock: str) -> None:
        self.events = events
        self.lock = lock

    def __iter__(self):
        return self.events

    def __next__(self):
        return next(self.events)

    def close(self) -> None:
        self.events.close()
        cache.delete(self.lock)


def _chat(actor: Actor, key, lock: str, *, model, shape, prompt, max_tokens):
    result = Result(PlaygroundRun.Modality.CHAT, model=model, data={"shape": shape})
    finished = False
    try:
        for kind, value in gateway.chat_events(
            key.creds, shape=shape, model=model, prompt=prompt, max_tokens=max_tokens
        ):
            if kind == "text":
                result.text += value
                yield "text", value
            else:
                result.take(value)
                finished = bool(value.finish_reason)
        if not finished:
            result.error = "The answer stopped before it was finished: the stream was cut."
            result.cut = bool(result.text)
    except UpstreamError as exc:
        result.error = exc.user_message
        result.cut = bool(result.text)
        if isinstance(exc, BLOCKS):
            result.blocked_key = key.key_hash
    finally:
        cache.delete(lock)
    result.exchange = (prompt, result.text + ("\n\n[cut off here]" if result.cut else ""))
    _record(actor, result)
    yield "done", result


# --- embeddings and rerank ---------------------------------------------------------------------


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def embeddings_run(
    actor: Actor,
    *,
    model: str,
    inputs: list[str],
    dimensions: int | None = None,
    session=None,
    use_session_key: bool = False,
) -> Result:
    """Embed up to five inputs; the result holds each vector's size and the similarity
    table (the vectors themselves are not kept)."""
    key = _key(actor, session, use_session_key)
    with _blocks_name(key):
        vectors, usage = gateway.embeddings(
            key.creds, model=model, inputs=inputs, dimensions=dimensions
        )
    result = Result(PlaygroundRun.Modality.EMBEDDINGS, model=model)
    result.take(usage)
    result.data = {
        "inputs": inputs,
        "dimensions": len(vectors[0]) if vectors else 0,
        "preview": [[round(x, 4) for x in v[:4]] for v in vectors],
        "similarity": [[round(cosine(a, b), 4) for b in vectors] for a in vectors],
    }
    table = "\n".join(
        f"{n}. " + "  ".join(f"{x:.4f}" for x in row)
        for n, row in enumerate(result.data["similarity"], start=1)
    )
    result.exchange = (
        "\n".join(inputs),
        f"{result.data['dimensions']} dimensions. Cosine similarity between the inputs:\n{table}",
    )
    _record(actor, result)
    return result


def rerank_run(
    actor: Actor,
    *,
    model: str,
    query: str,
    documents: list[str],
    session=None,
    use_session_key: bool = False,
) -> Result:
    """The documents in the order the model ranks them, each with its score."""
    key = _key(actor, session, use_session_key)
    with _blocks_name(key):
        ranked, usage = gateway.rerank(key.creds, model=model, query=query, documents=documents)
    result = Result(PlaygroundRun.Modality.RERANK, model=model)
    result.take(usage)
    result.data = {
        "ranked": [
            {"rank": n, "index": i + 1, "score": score, "text": documents[i]}
            for n, (i, score) in enumerate(ranked, start=1)
            if 0 <= i < len(documents)
        ]
    }
    result.exchange = (
        f"Query: {query}\n\nDocuments:\n"
        + "\n".join(f"{n}. {d}" for n, d in enumerate(documents, start=1)),
        "\n".join(
            f"{r['rank']}. document {r['index']} (score {r['score']}): {r['text']}"
            for r in result.data["ranked"]
        ),
    )
    _record(actor, result)
    return result


# --- images --------------------------------------------------------------------------------------


def image_run(
    actor: Actor,
    *,
    model: str,
    prompt: str,
    n: int = 1,
    aspect_ratio: str = "",
    session=None,
    use_session_key: bool = False,
) -> Result:
    """Generate images; they are shown (and downloadable) from the answer, never kept."""
    key = _key(actor, session, use_session_key)
    with _blocks_name(key):
        found, usage = gateway.images(
            key.creds, model=model, prompt=prompt, n=n, aspect_ratio=aspect_ratio
        )
    result = Result(PlaygroundRun.Modality.IMAGE, model=model)
    result.take(usage)
    images = []
    for index, image in enumerate(found, start=1):
        if "b64" in image:
            kind = image["media_type"] if image["media_type"].startswith("image/") else "image/png"
            extension = kind.split("/")[1].split("+")[0]
            images.append(
                {
                    "src": f"data:{kind};base64,{image['b64']}",
                    "name": f"{result.generation_id or 'image'}-{index}.{extension}",
                }
            )
        elif image["url"].startswith("https://"):
            images.append({"link": image["url"], "name": f"image-{index}"})
    result.data = {"images": images, "prompt": prompt, "unit_label": "images"}
    result.exchange = (prompt, f"{len(images)} image(s) made (images are not kept).")
    _record(actor, result)
    return result


# --- speech and transcription ------------------------------------------------------------------

AUDIO_SECONDS = 600  # how long the spoken answer can be played back (cache only, never stored)


def _audio_slot(actor: Actor, token: str) -> str:
    return f"playground:audio:{actor.organisation.pk}:{actor.user.pk}:{token}"


def speech_run(
    actor: Actor,
    *,
    model: str,
    text: str,
    voice: str,
    speed: float | None = None,
    session=None,
    use_session_key: bool = False,
) -> Result:
    """Speak ``text``; the audio is held in the cache for a few minutes for the player (and
    the download), for this person only, then gone."""
    key = _key(actor, session, use_session_key)
    with _blocks_name(key):
        audio, kind, usage = gateway.speech(
            key.creds, model=model, text=text, voice=voice, speed=speed
        )
    result = Result(PlaygroundRun.Modality.SPEECH, model=model)
    result.take(usage)
    token = secrets.token_urlsafe(16)
    cache.set(_audio_slot(actor, token), (kind, audio), AUDIO_SECONDS)
    extension = "mp3" if kind in ("audio/mpeg", "audio/mp3") else kind.split("/")[-1]
    result.data = {
        "token": token,
        "kind": kind,
        "bytes": len(audio),
        "name": f"{result.generation_id or 'speech'}.{extension}",
        "unit_label": "characters",
    }
    result.exchange = (
        text,
        f"Spoken with the voice {voice}: {len(audio)} bytes of {kind} (the audio is not kept).",
    )
    _record(actor, result)
    return result


def speech_audio(actor: Actor, token: str) -> tuple[str, bytes] | None:
    """The audio of one of this person's recent speech runs, or ``None`` once expired."""
    return cache.get(_audio_slot(actor, token))


def transcription_run(
    actor: Actor,
    *,
    model: str,
    audio,
    language: str = "",
    session=None,
    use_session_key: bool = False,
) -> Result:
    """Transcribe one short uploaded file (checked by the form: type and size)."""
    key = _key(actor, session, use_session_key)
    encoded = base64.b64encode(audio.read()).decode()
    with _blocks_name(key):
        text, usage = gateway.transcription(
            key.creds,
            model=model,
            audio_b64=encoded,
            audio_format=audio.audio_format,
            language=language,
        )
    result = Result(PlaygroundRun.Modality.TRANSCRIPTION, model=model, text=text)
    result.take(usage)
    result.data = {"file": audio.name, "unit_label": "seconds of audio"}
    result.exchange = (f"The audio file {audio.name}", text)
    _record(actor, result)
    return result

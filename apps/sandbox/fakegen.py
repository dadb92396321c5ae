"""Deterministic, schema-true fake generation for the inference skins.

Given what a request asks for (tools and a tool choice, a response format, reasoning,
images), :func:`answer` decides what a model would plausibly return — a text reply, a tool
call whose arguments validate against that tool's JSON Schema, or a JSON document that
validates against the requested schema — always the same for the same input.

The three APIs spell the same things differently; :func:`chat_ask`, :func:`responses_ask`
and :func:`messages_ask` read each one's request into one :class:`Ask`.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import re._constants as c  # CPython's own regex parser, to build strings for patterns
import re._parser as parser
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apps.sandbox import media
from apps.sandbox.catalog import CatalogModel, find_model
from apps.sandbox.http import ApiError
from apps.sandbox.metering import count_tokens

AUTO_ROUTER = "openrouter/auto"
# What openrouter/auto picks from, deterministically by prompt (tool-capable chat models).
AUTO_CANDIDATES = (
    "openai/gpt-4o-mini",
    "anthropic/claude-haiku-4.5",
    "google/gemini-2.5-flash",
    "openai/gpt-4.1-mini",
)


# --- what a request asks for ---------------------------------------------------------------


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # a JSON document, as every API carries it (Messages parses it back)

    @property
    def input(self) -> Any:
        return json.loads(self.arguments)


@dataclass(frozen=True)
class Ask:
    prompt: str  # everything the model reads, flattened
    last_user: str  # the latest user turn: what a tool choice is decided on
    tools: tuple[Tool, ...] = ()
    choice: str = "auto"  # auto | none | required | named
    choice_name: str | None = None
    tool_result: str | None = None  # the conversation ends with a tool's answer
    json_schema: dict | None = None  # response_format json_schema
    json_object: bool = False
    reasoning: bool = False  # reasoning asked for (visible unless excluded)
    reasoning_visible: bool = True
    images: bool = False  # image output asked for (modalities)
    logprobs: int | None = None  # None: not asked; else how many top_logprobs


@dataclass
class Answer:
    text: str | None
    finish: str  # stop | length | tool_calls
    tool_calls: list[ToolCall] = field(default_factory=list)
    reasoning: str | None = None
    reasoning_tokens: int = 0
    images: list[str] = field(default_factory=list)  # data: URLs

    @property
    def completion_tokens(self) -> int:
        arguments = "".join(c.name + c.arguments for c in self.tool_calls)
        return count_tokens((self.text or "") + arguments) + self.reasoning_tokens


def flatten(content) -> str:
    """Message content (a string or a list of parts, tool results included) as text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict):
                value = part.get("text")
                if value is None and part.get("type") == "tool_result":
                    value = flatten(part.get("content"))
                parts.append(value if isinstance(value, str) else "")
        return " ".join(p for p in parts if p)
    return ""


def _choice(raw, *, forced_words: tuple[str, ...] = ("required",)) -> tuple[str, str | None]:
    """Normalise a tool choice of any skin to (mode, name)."""
    if raw is None:
        return "auto", None
    if isinstance(raw, str):
        if raw in forced_words:
            return "required", None
        if raw in ("auto", "none"):
            return raw, None
        raise ApiError(400, f"tool_choice {raw!r} is not supported")
    if isinstance(raw, dict):
        kind = raw.get("type")
        name = raw.get("name") or (raw.get("function") or {}).get("name")
        if kind in ("function", "tool") and isinstance(name, str):
            return "named", name
        if kind in ("auto", "none"):
            return kind, None
        if kind == "any":
            return "required", None
    raise ApiError(400, "tool_choice is not valid")


def _checked_tools(tools: list[Tool], mode: str, name: str | None) -> tuple[Tool, ...]:
    if mode == "named" and name not in {t.name for t in tools}:
        raise ApiError(400, f"tool_choice names {name!r}, which is not among the tools")
    if mode in ("required", "named") and not tools:
        raise ApiError(400, "tool_choice requires tools")
    return tuple(tools)


def _reasoning(model: CatalogModel, body: dict) -> tuple[bool, bool]:
    """(asked, visible) for a model that reasons, from OpenRouter's unified parameters."""
    if "reasoning" not in model.supported_parameters:
        return False, False
    config = body.get("reasoning")
    asked = (
        bool(config) or bool(body.get("reasoning_effort")) or bool(body.get("include_reasoning"))
    )
    if isinstance(config, dict) and config.get("enabled") is False:
        return False, False
    hidden = isinstance(config, dict) and config.get("exclude") is True
    return asked, not hidden


def _logprobs(body: dict) -> int | None:
    if body.get("logprobs") is not True:
        return None
    top = body.get("top_logprobs")
    return top if isinstance(top, int) and 0 <= top <= 20 else 0


def _wants_images(model: CatalogModel, body: dict) -> bool:
    modalities = body.get("modalities")
    return (
        isinstance(modalities, list)
        and "image" in modalities
        and "image" in model.output_modalities
    )


def chat_ask(model: CatalogModel, body: dict, messages: list[dict]) -> Ask:
    tools = [
        Tool(
            name=str(f.get("name", "")),
            description=str(f.get("description") or ""),
            parameters=f.get("parameters") if isinstance(f.get("parameters"), dict) else {},
        )
        for t in _list(body, "tools")
        if isinstance(t, dict) and isinstance(f := t.get("function"), dict)
    ]
    mode, name = _choice(body.get("tool_choice"))
    last = messages[-1] if messages else {}
    response_format = body.get("response_format")
    reasoning, visible = _reasoning(model, body)
    return Ask(
        prompt="\n".join(flatten(m.get("content")) for m in messages),
        last_user=_last_user(messages),
        tools=_checked_tools(tools, mode, name),
        choice=mode,
        choice_name=name,
        tool_result=flatten(last.get("content")) if last.get("role") == "tool" else None,
        json_schema=_format_schema(response_format, nested=True),
        json_object=isinstance(response_format, dict)
        and response_format.get("type") == "json_object",
        reasoning=reasoning,
        reasoning_visible=visible,
        images=_wants_images(model, body),
        logprobs=_logprobs(body),
    )


def responses_ask(model: CatalogModel, body: dict, items: list | str, prompt: str) -> Ask:
    tools = [
        Tool(
            name=str(t.get("name", "")),
            description=str(t.get("description") or ""),
            parameters=t.get("parameters") if isinstance(t.get("parameters"), dict) else {},
        )
        for t in _list(body, "tools")
        if isinstance(t, dict) and t.get("type") == "function"
    ]
    mode, name = _choice(body.get("tool_choice"))
    entries = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
    last = entries[-1] if entries else {}
    text_config = body.get("text") if isinstance(body.get("text"), dict) else {}
    response_format = text_config.get("format")
    reasoning, visible = _reasoning(model, body)
    user_turns = [i for i in entries if i.get("role") == "user"]
    return Ask(
        prompt=prompt,
        last_user=flatten(user_turns[-1].get("content")) if user_turns else prompt,
        tools=_checked_tools(tools, mode, name),
        choice=mode,
        choice_name=name,
        tool_result=str(last.get("output")) if last.get("type") == "function_call_output" else None,
        json_schema=_format_schema(response_format, nested=False),
        json_object=isinstance(response_format, dict)
        and response_format.get("type") == "json_object",
        reasoning=reasoning,
        reasoning_visible=visible,
        images=_wants_images(model, body),
    )


def messages_ask(model: CatalogModel, body: dict, messages: list[dict], prompt: str) -> Ask:
    tools = [
        Tool(
            name=str(t.get("name", "")),
            description=str(t.get("description") or ""),
            parameters=t.get("input_schema") if isinstance(t.get("input_schema"), dict) else {},
        )
        for t in _list(body, "tools")
        if isinstance(t, dict) and isinstance(t.get("name"), str) and "input_schema" in t
    ]
    mode, name = _choice(body.get("tool_choice"), forced_words=())
    last = messages[-1] if messages else {}
    results = [
        part
        for part in (last.get("content") if isinstance(last.get("content"), list) else [])
        if isinstance(part, dict) and part.get("type") == "tool_result"
    ]
    thinking = body.get("thinking")
    output = body.get("output_config") if isinstance(body.get("output_config"), dict) else {}
    asked = (
        "reasoning" in model.supported_parameters
        and isinstance(thinking, dict)
        and thinking.get("type") in ("enabled", "adaptive")
    )
    return Ask(
        prompt=prompt,
        last_user=_last_user(messages),
        tools=_checked_tools(tools, mode, name),
        choice=mode,
        choice_name=name,
        tool_result=" ".join(flatten(r.get("content")) for r in results) if results else None,
        json_schema=_format_schema(output.get("format"), nested=False),
        reasoning=asked,
    )


def _list(body: dict, name: str) -> list:
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ApiError(400, f"{name} must be an array")
    return value


def _last_user(messages: list[dict]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return flatten(message.get("content"))
    return ""


def _format_schema(response_format, *, nested: bool) -> dict | None:
    """The JSON Schema of a ``json_schema`` format (chat nests it under ``json_schema``)."""
    if not isinstance(response_format, dict) or response_format.get("type") != "json_schema":
        return None
    holder = response_format.get("json_schema") if nested else response_format
    schema = holder.get("schema") if isinstance(holder, dict) else None
    if not isinstance(schema, dict):
        raise ApiError(400, "response_format json_schema needs a schema object")
    return schema


# --- deciding and generating the answer -----------------------------------------------------

# fmt: off
_STOPWORDS = frozenset((
    "a", "an", "and", "are", "can", "could", "current", "do", "does", "for", "from", "get",
    "given", "give", "how", "i", "in", "is", "it", "me", "my", "of", "on", "or", "please", "set",
    "tell", "that", "the", "this", "to", "use", "what", "when", "where", "which", "who", "why",
    "will", "with", "you", "your", "about", "any", "some",
))
# fmt: on


def _words(text: str) -> set[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    return {
        w for w in re.findall(r"[a-z0-9]+", spaced.lower()) if len(w) >= 3 and w not in _STOPWORDS
    }


def _related(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))


def _score(tool: Tool, prompt_words: set[str]) -> int:
    name_words = _words(tool.name.replace("_", " ").replace("-", " "))
    about = name_words | _words(tool.description)
    hits = {p for p in prompt_words for w in about if _related(p, w)}
    named = {p for p in prompt_words for w in name_words if _related(p, w)}
    return len(hits) + 2 * len(named)


def pick_tool(ask: Ask) -> Tool | None:
    """Which tool the model calls, if any: forced choices always call; ``auto`` calls the
    best-matching tool when the latest user turn plausibly asks for one, never right after
    a tool answered."""
    if not ask.tools or ask.choice == "none":
        return None
    if ask.choice == "named":
        return next(t for t in ask.tools if t.name == ask.choice_name)
    words = _words(ask.last_user)
    ranked = sorted(ask.tools, key=lambda t: -_score(t, words))
    if ask.choice == "required":
        return ranked[0]
    if ask.tool_result is not None or _score(ranked[0], words) == 0:
        return None
    return ranked[0]


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _reply_text(model: CatalogModel, ask: Ask) -> str:
    digest = _digest(model.id, ask.prompt)[:12]
    if ask.tool_result is not None:
        result = " ".join(ask.tool_result.split())[:200]
        return (
            f"Sandbox reply {digest} from {model.name}. The tool answered: {result}. "
            "That is what I found."
        )
    excerpt = " ".join(ask.prompt.split()[:12])
    return (
        f"Sandbox reply {digest} from {model.name}. You said: {excerpt!r}. "
        "This answer is generated locally and costs sandbox credits only."
    )


def _reasoning_text(model: CatalogModel, ask: Ask) -> str:
    excerpt = " ".join(ask.last_user.split()[:10])
    return (
        f"The user asks {excerpt!r}. {model.name} weighs what a short, useful sandbox "
        f"answer needs ({_digest('reasoning', ask.prompt)[:8]}), then writes it."
    )


def tool_call_id(prefix: str, seed: str) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    rng = random.Random(seed)
    return prefix + "".join(rng.choice(alphabet) for _ in range(24))


def answer(model: CatalogModel, ask: Ask, max_tokens: int | None, *, id_prefix: str) -> Answer:
    """What the model returns for ``ask`` — the same every time for the same input."""
    reasoning = _reasoning_text(model, ask) if ask.reasoning else None
    reasoning_tokens = count_tokens(reasoning) if reasoning else 0
    visible = reasoning if ask.reasoning_visible else None
    tool = pick_tool(ask)
    if tool is not None:
        seed = _digest(model.id, ask.prompt, tool.name)
        arguments = json.dumps(instance(tool.parameters, seed=seed, hints=ask.last_user))
        call = ToolCall(tool_call_id(id_prefix, seed), tool.name, arguments)
        return Answer(None, "tool_calls", [call], visible, reasoning_tokens)
    if ask.json_schema is not None:
        text = json.dumps(
            instance(ask.json_schema, seed=_digest(model.id, ask.prompt), hints=ask.last_user)
        )
    elif ask.json_object:
        text = json.dumps({"answer": _reply_text(model, ask), "model": model.id})
    else:
        text = _reply_text(model, ask)
    finish = "stop"
    if max_tokens is not None and count_tokens(text) > max_tokens:
        text, finish = text[: max_tokens * 4], "length"
    images = [f"data:image/png;base64,{media.png_b64(ask.prompt)}"] if ask.images else []
    return Answer(text, finish, [], visible, reasoning_tokens, images)


def route_auto(body: dict, prompt: str) -> CatalogModel:
    """``openrouter/auto``: a concrete model, chosen from the prompt (stable per prompt)."""
    index = int(_digest(AUTO_ROUTER, prompt)[:8], 16) % len(AUTO_CANDIDATES)
    return find_model(AUTO_CANDIDATES[index])


def logprobs(text: str, top: int, seed: str) -> list[dict]:
    """Token log-probabilities whose tokens concatenate to ``text`` (chat ``logprobs``)."""
    entries = []
    for index, token in enumerate(re.findall(r"\s*\S+|\s+", text)):
        rng = random.Random(f"{seed}:{index}")
        logprob = -round(rng.uniform(0.0, 2.0), 6)
        alternatives = [{"token": token, "logprob": logprob, "bytes": list(token.encode())}]
        for rank in range(1, top):
            other = f"{token.strip() or token}{'~' * rank}"
            alternatives.append(
                {
                    "token": other,
                    "logprob": round(logprob - rank - rng.random(), 6),
                    "bytes": list(other.encode()),
                }
            )
        entries.append({**alternatives[0], "top_logprobs": alternatives[:top]})
    return entries


# --- JSON Schema instances ------------------------------------------------------------------

_MAX_DEPTH = 5
_PLACES = ("Paris", "Lisbon", "Kyoto", "Montreal", "Nairobi", "Oslo")
_PLACE_WORDS = ("city", "location", "place", "town", "country", "destination", "origin")
# fmt: off
_NOT_NAMES = frozenset((
    "I", "What", "Whats", "What's", "How", "Tell", "Please", "Can", "Could", "Is", "Are", "Do",
    "Does", "The", "A", "An", "Hello", "Hi", "Write", "Give", "Find", "Show", "Get", "List",
    "Search", "Draw", "Make",
))
# fmt: on
_BASE_DAY = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


def instance(schema: Any, *, seed: str, hints: str = "") -> Any:
    """A value that validates against ``schema`` (JSON Schema 2020-12 / draft 7 subset:
    ``$ref``/``$defs``, ``allOf``/``anyOf``/``oneOf``, ``const``/``enum``, type lists,
    objects, arrays, string formats and patterns, numeric bounds) — deterministic per seed."""
    generator = _Generator(schema if isinstance(schema, dict) else {}, seed, hints)
    return generator.value(schema, "", 0)


class _Generator:
    def __init__(self, root: dict, seed: str, hints: str) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.hints = hints

    # -- plumbing --

    def resolve(self, schema: Any) -> Any:
        for _ in range(32):
            if not (isinstance(schema, dict) and isinstance(schema.get("$ref"), str)):
                return schema
            ref = schema["$ref"]
            if not ref.startswith("#"):
                return {k: v for k, v in schema.items() if k != "$ref"}
            node: Any = self.root
            for part in [p for p in ref[1:].split("/") if p]:
                part = part.replace("~1", "/").replace("~0", "~")
                node = node.get(part) if isinstance(node, dict) else None
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**node, **siblings} if isinstance(node, dict) else siblings
        return schema

    def merge(self, schema: dict) -> dict:
        """Fold ``allOf`` into one schema (enough for generation)."""
        parts = [self.resolve(s) for s in schema.get("allOf", []) if isinstance(s, dict)]
        if not parts:
            return schema
        merged: dict = {k: v for k, v in schema.items() if k != "allOf"}
        for part in parts:
            part = self.merge(part)
            for key, value in part.items():
                if key == "properties":
                    merged["properties"] = {**merged.get("properties", {}), **value}
                elif key == "required":
                    merged["required"] = sorted({*merged.get("required", []), *value})
                elif key in ("minimum", "minLength", "minItems", "exclusiveMinimum"):
                    merged[key] = max(merged.get(key, value), value)
                elif key in ("maximum", "maxLength", "maxItems", "exclusiveMaximum"):
                    merged[key] = min(merged.get(key, value), value)
                else:
                    merged.setdefault(key, value)
        return merged

    # -- dispatch --

    def value(self, schema: Any, name: str, depth: int) -> Any:
        schema = self.resolve(schema)
        if schema is True or not isinstance(schema, dict):
            return self.string({}, name)
        schema = self.merge(schema)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            options = [v for v in schema["enum"] if v is not None] or schema["enum"]
            return options[self.rng.randrange(len(options))]
        for key in ("anyOf", "oneOf"):
            options = [self.resolve(o) for o in schema.get(key, []) if o is not None]
            if options:
                # Deep down, prefer null (or the first option): recursive schemas end.
                nulls = [o for o in options if _is_null(o)] if depth >= _MAX_DEPTH else []
                chosen = (
                    nulls[0] if nulls else next((o for o in options if not _is_null(o)), options[0])
                )
                rest = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
                return self.value(
                    {**rest, **chosen} if isinstance(chosen, dict) else chosen, name, depth
                )
        kind = _type_of(schema)
        if depth >= _MAX_DEPTH and "null" in (schema.get("type") or ()):
            return None
        if kind == "null":
            return None
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind in ("integer", "number"):
            return self.number(schema, integer=kind == "integer")
        if kind == "array":
            return self.array(schema, name, depth)
        if kind == "object":
            return self.object(schema, depth)
        return self.string(schema, name)

    # -- kinds --

    def object(self, schema: dict, depth: int) -> dict:
        properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        required = [r for r in schema.get("required", []) if isinstance(r, str)]
        chosen = [k for k in properties if k in required or depth < 2]
        chosen += [r for r in required if r not in chosen]
        result = {}
        for key in chosen:
            if depth >= _MAX_DEPTH and key not in required:
                continue
            result[key] = self.value(properties.get(key, {}), key, depth + 1)
        for key, names in (schema.get("dependentRequired") or {}).items():
            if key in result:
                for extra in names:
                    if extra not in result:
                        result[extra] = self.value(properties.get(extra, {}), extra, depth + 1)
        extra_schema = schema.get("additionalProperties", {})
        index = 0
        while len(result) < int(schema.get("minProperties", 0)) and extra_schema is not False:
            index += 1
            key = f"key{index}"
            result[key] = self.value(
                extra_schema if isinstance(extra_schema, dict) else {}, key, depth + 1
            )
        return result

    def array(self, schema: dict, name: str, depth: int) -> list:
        prefix = schema.get("prefixItems") if isinstance(schema.get("prefixItems"), list) else []
        items = schema.get("items", {})
        if isinstance(items, list):  # draft 7 tuple form
            prefix, items = items, schema.get("additionalItems", {})
        low = int(schema.get("minItems", 0))
        high = schema.get("maxItems")
        count = max(low, len(prefix), 0 if depth >= _MAX_DEPTH else 1)
        if high is not None:
            count = min(count, int(high))
        result: list = []
        singular = name[:-1] if name.endswith("s") else name
        for index in range(count):
            item_schema = prefix[index] if index < len(prefix) else items
            if item_schema is False:
                break
            value = self.value(item_schema, singular, depth + 1)
            for _ in range(20):
                if not schema.get("uniqueItems") or value not in result:
                    break
                value = self.value(item_schema, f"{singular}{index}", depth + 1)
            result.append(value)
        return result

    def number(self, schema: dict, *, integer: bool):
        low = schema.get("minimum")
        high = schema.get("maximum")
        ex_low, ex_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        step = schema.get("multipleOf")
        if isinstance(ex_low, int | float) and not isinstance(ex_low, bool):
            low = ex_low + (1 if integer else 1e-6) if low is None else max(low, ex_low + 1e-6)
        if isinstance(ex_high, int | float) and not isinstance(ex_high, bool):
            high = ex_high - (1 if integer else 1e-6) if high is None else min(high, ex_high - 1e-6)
        if low is None and high is None:
            low, high = 1, 100
        elif low is None:
            low = high - 100
        elif high is None:
            high = low + 100
        if integer:
            low, high = math.ceil(low), math.floor(high)
        if step:
            first, last = math.ceil(low / step), math.floor(high / step)
            multiple = self.rng.randint(first, max(first, last)) * step
            return int(multiple) if integer or float(multiple).is_integer() else multiple
        if integer:
            return self.rng.randint(low, max(low, high))
        return round(self.rng.uniform(low, high), 2) if high - low > 0.02 else low

    def string(self, schema: dict, name: str) -> str:
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            generated = regex_sample(pattern, self.rng)
            if generated is not None:
                return generated
        value = self.formatted(schema.get("format"), name) or self.plain(name)
        low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
        while len(value) < low:
            value += "x"
        if high is not None:
            value = value[: int(high)]
        return value

    def formatted(self, fmt, name: str) -> str | None:
        n = self.rng.randrange(1, 250)
        moment = _BASE_DAY + timedelta(days=n, minutes=15 * (n % 40))
        return (
            {
                "date-time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "date": moment.strftime("%Y-%m-%d"),
                "time": moment.strftime("%H:%M:%SZ"),
                "duration": f"P{n % 30 + 1}D",
                "email": f"{name or 'user'}{n}@example.com".lower(),
                "idn-email": f"user{n}@example.com",
                "uri": f"https://example.com/{name or 'item'}/{n}",
                "url": f"https://example.com/{name or 'item'}/{n}",
                "iri": f"https://example.com/{name or 'item'}/{n}",
                "uri-reference": f"/{name or 'item'}/{n}",
                "uuid": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
                "ipv4": f"192.0.2.{n}",
                "ipv6": f"2001:db8::{n:x}",
                "hostname": f"host{n}.example.com",
                "idn-hostname": f"host{n}.example.com",
            }.get(fmt)
            if isinstance(fmt, str)
            else None
        )

    def plain(self, name: str) -> str:
        lowered = name.lower()
        if any(word in lowered for word in _PLACE_WORDS):
            candidates = [
                w
                for w in re.findall(r"\b[A-Z][a-zA-Z'-]+\b", self.hints)
                if w.rstrip("'s") not in _NOT_NAMES and w not in _NOT_NAMES
            ]
            return candidates[-1] if candidates else _PLACES[self.rng.randrange(len(_PLACES))]
        words = ("alpha", "bravo", "delta", "echo", "kilo", "lima", "nova", "tango")
        label = (name or "value").replace("_", " ")
        return f"{label} {words[self.rng.randrange(len(words))]}"


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null"


def _type_of(schema: dict) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"] or kind
        kind = kinds[0] if kinds else None
    if isinstance(kind, str):
        return kind
    if "properties" in schema or "additionalProperties" in schema or "required" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    if any(k in schema for k in ("minimum", "maximum", "multipleOf")):
        return "number"
    return "string"


# --- strings from a regular expression -------------------------------------------------------


def regex_sample(pattern: str, rng: random.Random) -> str | None:
    """A string that ``re.search(pattern, ...)`` matches, built from the parsed pattern."""
    try:
        parsed = parser.parse(pattern)
    except re.error:
        return None
    groups: dict[int, str] = {}
    printable = [chr(i) for i in range(0x21, 0x7F)]

    def in_set(items) -> list[str]:
        negate = any(op is c.NEGATE for op, _ in items)
        chars: set[str] = set()
        for op, arg in items:
            if op is c.LITERAL:
                chars.add(chr(arg))
            elif op is c.RANGE:
                chars.update(chr(i) for i in range(arg[0], min(arg[1], arg[0] + 200) + 1))
            elif op is c.CATEGORY:
                chars.update(category(arg))
        if negate:
            return [ch for ch in printable if ch not in chars] or ["~"]
        return sorted(chars) or ["a"]

    def category(arg) -> list[str]:
        digits, word = list("0123456789"), list("abcdefghijklmnopqrstuvwxyz0123456789_")
        return {
            c.CATEGORY_DIGIT: digits,
            c.CATEGORY_NOT_DIGIT: list("abcxyz"),
            c.CATEGORY_SPACE: [" "],
            c.CATEGORY_NOT_SPACE: list("abc123"),
            c.CATEGORY_WORD: word,
            c.CATEGORY_NOT_WORD: list("-.@ "),
        }.get(arg, ["a"])

    def emit(items) -> str:
        out = []
        for op, arg in items:
            if op is c.LITERAL:
                out.append(chr(arg))
            elif op is c.NOT_LITERAL:
                out.append("a" if chr(arg) != "a" else "b")
            elif op is c.ANY:
                out.append("a")
            elif op is c.IN:
                options = in_set(arg)
                out.append(options[rng.randrange(len(options))])
            elif op is c.CATEGORY:
                options = category(arg)
                out.append(options[rng.randrange(len(options))])
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
                low, high, sub = arg
                high = low + 3 if high is c.MAXREPEAT else high
                count = rng.randint(low, max(low, min(high, low + 2)))
                out.extend(emit(sub) for _ in range(count))
            elif op is c.SUBPATTERN:
                group, _add, _del, sub = arg
                text = emit(sub)
                if group is not None:
                    groups[group] = text
                out.append(text)
            elif op is getattr(c, "ATOMIC_GROUP", None):
                out.append(emit(arg))
            elif op is c.BRANCH:
                _, alternatives = arg
                out.append(emit(alternatives[rng.randrange(len(alternatives))]))
            elif op is c.GROUPREF:
                out.append(groups.get(arg, ""))
            # AT (anchors), ASSERT and ASSERT_NOT add no characters.
        return "".join(out)

    for _ in range(10):
        text = emit(parsed)
        if re.search(pattern, text):
            return text
    return None

"""Guardrail content filters: custom patterns and built-ins, with ``block``/``redact``/``flag``.

As upstream (guardrails, sensitive-info and prompt-injection guides): the filters of every
applicable guardrail are unioned; for one entity (a built-in slug or a custom pattern) the
strictest action wins (block > redact > flag); redaction replaces matched spans with a
placeholder (``[EMAIL]``…, ``[REDACTED]`` for custom patterns, ``[PROMPT_INJECTION]``)
*before* the request reaches the model, so the reply and ``/generation/content`` only ever
see the redacted text; a block is a 403 naming the filter. ``flag`` lets the request through
unchanged (upstream records it for its dashboards; the sandbox has no such surface).

Scanned: every prompt string of the request (message contents of every role, tool-call
arguments, ``system``, ``instructions``, ``input``, ``prompt``, ``query``, ``documents``);
the prompt-injection built-in honours ``scan_scope`` (``user_only`` = user messages and bare
prompt strings). Person names and addresses are NLP-detected upstream; the sandbox uses a
simple regex (honorific + name; number + street) so tests can exercise them.

:func:`screened` wraps an inference view at URL level: it redacts the body the view will
read and leaves any block for ``metering.authorize`` to raise at its place in the order.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field, replace

from django.core.exceptions import RequestDataTooBig

from apps.sandbox.http import authenticate_quietly
from apps.sandbox.models import Guardrail
from apps.sandbox.policy import KeyPolicy

_I = re.IGNORECASE

# slug -> (regex, flags, redaction placeholder, the label a block names)
BUILTINS: dict[str, tuple[str, int, str, str]] = {
    "email": (
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
        0,
        "[EMAIL]",
        "Email address",
    ),
    "phone": (
        r"(?<![\w.-])(?:\+?1[-.\s]?)?(?:\(\d{3}\)\s?|\d{3}[-.\s]?)\d{3}[-.\s]?\d{4}(?![\w-])",
        0,
        "[PHONE]",
        "Phone number",
    ),
    "ssn": (r"\b\d{3}-\d{2}-\d{4}\b", 0, "[SSN]", "Social Security number"),
    "credit-card": (r"\b\d{4}(?:[ -]?\d{4}){3}\b", 0, "[CREDIT_CARD]", "Credit card number"),
    "ip-address": (
        r"\b(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\b",
        0,
        "[IP_ADDRESS]",
        "IP address",
    ),
    "secrets": (
        r"\b(?:sk-[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36}"
        r"|xox[baprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35})\b"
        r"|-----BEGIN [A-Z ]*PRIVATE KEY-----",
        0,
        "[SECRET]",
        "Secret",
    ),
    "person-name": (
        r"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+[A-Z][a-z]+(?:[\s-][A-Z][a-z]+)?",
        0,
        "[PERSON_NAME]",
        "Blocked PII detected: PERSON",
    ),
    "address": (
        r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}"
        r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Way|Court|Ct)\b",
        0,
        "[ADDRESS]",
        "Blocked PII detected: LOCATION",
    ),
}
PROMPT_INJECTION = "regex-prompt-injection"
_TARGETS = r"(instructions?|rules?|guidelines?|constraints?|directives?)"
# The prompt-injection guide's patterns (its typoglycemia/encoding detectors are not run).
INJECTION_PATTERNS: list[tuple[str, str, int]] = [
    (
        "ignore_previous_instructions",
        r"ignore\s+(all\s+)?(previous|prior)\s+((?:safety|security|system|operational|internal"
        r"|core|original|initial|existing|given|stated|provided|defined|specified|established)"
        r"\s+)?" + _TARGETS,
        _I,
    ),
    ("disregard_instructions", r"disregard\s+(all\s+)?(previous|prior|above)\s+" + _TARGETS, _I),
    ("forget_instructions", r"forget\s+(all\s+)?(previous|prior|above)\s+" + _TARGETS, _I),
    ("new_instructions", r"new\s+instructions?:", _I),
    ("do_not_follow", r"do\s+not\s+follow\s+(the\s+)?(system|developer|previous|original)", _I),
    ("supersede_instructions", r"supersedes?\s+(all\s+)?(prior|previous)\s+" + _TARGETS, _I),
    ("developer_mode", r"you\s+are\s+now\s+(in\s+)?developer\s+mode", _I),
    ("enter_special_mode", r"enter\s+(developer|admin|debug|maintenance)\s+mode", _I),
    ("activate_special_mode", r"activate\s+(developer|admin|debug|jailbreak)\s+mode", _I),
    ("system_override", r"\bsystem\s+override\b", _I),
    ("override_instructions", r"override\s+(your\s+)?" + _TARGETS, _I),
    (
        "reveal_prompt",
        r"reveal\s+((?:your?|the|my|its)\s+)?((?:(?:full|hidden|complete|internal|secret"
        r"|original|entire|exact|actual|real)\s+){0,2})(system\s+)?prompt\b",
        _I,
    ),
    ("show_prompt", r"show\s+(me\s+)?((?:your?|the|my|its)\s+)(system\s+)?prompt\b", _I),
    ("what_instructions", r"what\s+(are|were)\s+(your\s+)?(exact\s+)?instructions", _I),
    ("repeat_instructions", r"repeat\s+(the\s+)?(text|instructions?)\s+(above|before)", _I),
    ("output_prompt", r"output\s+(your\s+)?(initial|original|system)\s+(prompt|instructions?)", _I),
    ("remove_restrictions", r"you\s+are\s+no\s+longer\s+(bound|restricted|limited)", _I),
    ("pretend_different", r"pretend\s+(you('re|\s+are)\s+)?(a\s+)?different\s+(ai|assistant)", _I),
    ("dan_jailbreak", r"\bDAN\b.*\bdo\s+anything\s+now\b", 0),
    ("jailbreak_mode", r"jailbreak(ed)?\s+(mode|prompt)", _I),
    (
        "bypass_safety",
        r"bypass\s+(your\s+)?(safety|security|content|ethical)\s+"
        r"(filters?|measures?|guidelines?|restrictions?)",
        _I,
    ),
    ("disable_safety", r"disable\s+(your\s+)?(safety|security|content)\s+(filters?|measures?)", _I),
    ("system_tag_injection", r"<\s*/?\s*system\s*/?>", _I),
    ("role_tag_injection", r"<\s*/?\s*(assistant|developer|tool|function)\s*/?>", _I),
    ("bracketed_role_spoofing", r"\[\s*(System\s*Message|System|Assistant|Internal)\s*\]", _I),
    ("system_prefix_spoofing", r"^\s*System:\s+", _I | re.MULTILINE),
    (
        "control_token_injection",
        r"<\|(?:im_start|im_end|eot_id|start_header_id|end_header_id|endoftext)\|>",
        0,
    ),
]
_STRENGTH = {"flag": 0, "redact": 1, "block": 2}


def js_pattern(pattern: str) -> re.Pattern:
    """A guardrail pattern (JavaScript flavour) compiled for Python: ``(?<name>`` groups."""
    return re.compile(re.sub(r"\(\?<(?![=!])", "(?P<", pattern))


@dataclass(frozen=True)
class Rule:
    """One entity's merged filter: the strictest action any applicable guardrail gives it."""

    entity: str  # "builtin:<slug>" or "pattern:<regex>"
    action: str
    regexes: tuple[tuple[str, re.Pattern], ...]
    placeholder: str
    label: str  # what a block names
    user_only: bool = False
    scope: str = ""  # the guardrail that set the winning action
    guardrail_id: str = ""


def _candidates(scope: str, g: Guardrail):
    policy = g.policy or {}
    for item in policy.get("content_filters") or []:
        yield Rule(
            entity=f"pattern:{item['pattern']}",
            action=item["action"],
            regexes=((item.get("label") or "[BLOCKED]", js_pattern(item["pattern"])),),
            placeholder="[REDACTED]",
            label=item.get("label") or "[BLOCKED]",
            scope=scope,
            guardrail_id=str(g.id),
        )
    for item in policy.get("content_filter_builtins") or []:
        slug = item["slug"]
        if slug == PROMPT_INJECTION:
            yield Rule(
                entity=f"builtin:{slug}",
                action=item["action"],
                regexes=tuple((n, re.compile(p, f)) for n, p, f in INJECTION_PATTERNS),
                placeholder="[PROMPT_INJECTION]",
                label="prompt injection",
                user_only=item.get("scan_scope") == "user_only",
                scope=scope,
                guardrail_id=str(g.id),
            )
        elif slug in BUILTINS:
            pattern, flags, placeholder, label = BUILTINS[slug]
            yield Rule(
                entity=f"builtin:{slug}",
                action=item["action"],
                regexes=((slug, re.compile(pattern, flags)),),
                placeholder=placeholder,
                label=label,
                scope=scope,
                guardrail_id=str(g.id),
            )


def merged_rules(guardrails: list[tuple[str, Guardrail]]) -> list[Rule]:
    """The union of the guardrails' filters, one rule per entity, in first-seen order."""
    rules: dict[str, Rule] = {}
    for scope, g in guardrails:
        for rule in _candidates(scope, g):
            current = rules.get(rule.entity)
            if current is None or _STRENGTH[rule.action] > _STRENGTH[current.action]:
                user_only = rule.user_only and (current is None or current.user_only)
                rules[rule.entity] = replace(rule, user_only=user_only)
            elif not rule.user_only and current.user_only:
                # Another guardrail scans all messages for this entity: so does the union.
                rules[rule.entity] = replace(current, user_only=False)
    return list(rules.values())


# --- the prompt strings of a request --------------------------------------------------------


def _parts(content, is_user: bool, fn):
    if isinstance(content, str):
        return fn(content, is_user)
    if isinstance(content, list):
        out = []
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                part = {**part, "text": fn(part["text"], is_user)}
            elif isinstance(part, str):
                part = fn(part, is_user)
            out.append(part)
        return out
    return content


def _message(item, fn, *, default_user: bool):
    if isinstance(item, str):
        return fn(item, default_user)
    if not isinstance(item, dict):
        return item
    role = item.get("role")
    is_user = role == "user" or (role is None and default_user)
    item = dict(item)
    if "content" in item:
        item["content"] = _parts(item["content"], is_user, fn)
    if isinstance(item.get("tool_calls"), list):
        calls = []
        for call in item["tool_calls"]:
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict) and isinstance(function.get("arguments"), str):
                call = {
                    **call,
                    "function": {**function, "arguments": fn(function["arguments"], False)},
                }
            calls.append(call)
        item["tool_calls"] = calls
    return item


def map_prompts(body: dict, fn) -> dict:
    """A copy of ``body`` with ``fn(text, is_user)`` applied to every prompt string."""
    out = dict(body)
    if isinstance(out.get("messages"), list):
        out["messages"] = [_message(m, fn, default_user=False) for m in out["messages"]]
    for name in ("system", "instructions"):
        if name in out:
            out[name] = _parts(out[name], False, fn)
    if "input" in out:
        raw = out["input"]
        if isinstance(raw, list):
            out["input"] = [_message(m, fn, default_user=True) for m in raw]
        elif isinstance(raw, str):
            out["input"] = fn(raw, True)
    for name in ("prompt", "query"):
        if isinstance(out.get(name), str):
            out[name] = fn(out[name], True)
    if isinstance(out.get("documents"), list):  # strings or {"text": ...}, like parts
        out["documents"] = _parts(out["documents"], True, fn)
    return out


# --- screening ----------------------------------------------------------------------------


@dataclass
class Screen:
    """What the content filters made of one request body."""

    body: dict
    changed: bool = False
    block: Rule | None = None
    matches: list[str] = field(default_factory=list)  # what the blocking rule matched
    flagged: list[str] = field(default_factory=list)

    def refusal(self) -> tuple[str, dict] | None:
        """The 403's message and metadata when a block filter matched."""
        rule = self.block
        if rule is None:
            return None
        metadata = {
            "error_type": "permission_denied",
            "reason": "content_filter",
            "scope": rule.scope,
            "guardrail_id": rule.guardrail_id,
        }
        if rule.entity == f"builtin:{PROMPT_INJECTION}":
            return "Request blocked: prompt injection patterns detected", {
                **metadata,
                "patterns": self.matches,
            }
        return f"Request blocked by content filter: {rule.label}", metadata


def screen(body: dict, rules: list[Rule]) -> Screen:
    """Detect blocks and flags on the original text; redact what ``redact`` rules match."""
    result = Screen(body=body)
    if not rules:
        return result

    def inspect(text: str, is_user: bool) -> str:
        for rule in rules:
            if rule.user_only and not is_user:
                continue
            for _name, regex in rule.regexes:
                found = regex.search(text)
                if found is None:
                    continue
                if rule.action == "block" and (result.block is None or result.block is rule):
                    result.block = rule
                    result.matches.append(found.group(0))
                elif rule.action == "flag":
                    result.flagged.append(rule.entity)
        return text

    def redact(text: str, is_user: bool) -> str:
        for rule in rules:
            if rule.action != "redact" or (rule.user_only and not is_user):
                continue
            for _name, regex in rule.regexes:
                text = regex.sub(rule.placeholder, text)
        return text

    map_prompts(body, inspect)
    redacted = map_prompts(body, redact)
    if redacted != body:
        result.body, result.changed = redacted, True
    return result


def screened(view):
    """Apply the caller's content filters to an inference request before ``view`` reads it.

    The body is rewritten in place of the original, as upstream forwards a sanitised
    request; the verdict rides on the request (``sandbox_screen``) for ``authorize``.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        caller = authenticate_quietly(request)
        if caller is not None and not caller.is_management:
            rules = merged_rules(KeyPolicy(caller.account, caller.key).guardrails)
            try:
                body = json.loads(request.body) if rules else None
            except (ValueError, UnicodeDecodeError, RequestDataTooBig):
                body = None  # the view answers (a 413 for a body over the limit)
            if isinstance(body, dict):
                verdict = screen(body, rules)
                if verdict.changed:
                    request._body = json.dumps(verdict.body).encode()
                request.sandbox_screen = verdict
        return view(request, *args, **kwargs)

    return wrapper


__all__ = [
    "BUILTINS",
    "INJECTION_PATTERNS",
    "Rule",
    "Screen",
    "js_pattern",
    "map_prompts",
    "merged_rules",
    "screen",
    "screened",
]

"""What the fuzz suite sends: every console route, the names its pages post, nasty values."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from urllib.parse import quote

from django.urls import URLPattern, URLResolver, get_resolver

# Routes never fuzzed, each for a reason: signing out would end the persona's session.
SKIPPED = {"accounts:logout", "account_logout"}


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str  # the route as written in the URL conf

    @property
    def params(self) -> list[tuple[str, str]]:
        """``(converter, name)`` for every path parameter."""
        found = re.findall(r"<(?:(\w+):)?(\w+)>", self.pattern)
        found += [("regex", n) for n in re.findall(r"\(\?P<(\w+)>", self.pattern)]
        return [(conv or "str", name) for conv, name in found]

    def path(self, values: dict[str, str]) -> str:
        route = re.sub(r"\^?\(\?P<(\w+)>[^)]*\)", lambda m: values[m.group(1)], self.pattern)
        route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route)
        return "/" + route.lstrip("^").rstrip("$")


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield Route(f"{namespace}{entry.name}", prefix + str(entry.pattern))


def console_routes() -> list[Route]:
    return [
        r
        for r in _walk(get_resolver().url_patterns)
        if not r.name.startswith("sandbox:") and r.name not in SKIPPED
    ]


def _b64(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


# Keyset cursors as a person could type them: wrong types, wrong shapes, not base64 at all.
BAD_CURSORS = [
    _b64([{"a": 1}, 1]),
    _b64([None, 1]),
    _b64(["x", 1]),
    _b64([1, "x"]),
    _b64([1.5, True]),
    _b64(["2024-01-01T00:00:00", 99999999999999999999]),
    _b64([10**400, 1]),
    _b64([[1], -1]),
    _b64([1, 1, 1]),
    _b64("just a string"),
    _b64({"value": 1}),
    base64.urlsafe_b64encode(b"[NaN, 1]").decode(),
    base64.urlsafe_b64encode(b"[Infinity, 1]").decode(),
    base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),
    base64.urlsafe_b64encode(b"[" * 5000).decode(),
    "W3siYSI6IDF9LCAxXQ==",  # the cursor from the issue
    "not base64!",
    "W3siYSI6",  # cut short
]

NASTY = [
    "",
    " ",
    "0",
    "00001",
    "-1",
    "-0",
    "1.5",
    "1e309",
    "-1e309",
    "NaN",
    "inf",
    "0x10",
    "²",
    "¹²³",
    "١٢٣",  # Arabic-Indic digits
    "߁",  # NKo digit one
    "Ⅻ",
    "99999999999999999999",
    "9223372036854775808",
    "-9223372036854775809",
    "9" * 400,
    "1" * 5000,
    "a" * 5000,
    "true",
    "null",
    "[]",
    "{}",
    "2026-13-45",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "24:61",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "\x00",
    "a\x00b",
    "\u202egnp.exe",
    "💥🔑",
    "e\u0301",
    "../../etc/passwd",
    '=HYPERLINK("http://x")',
    "owner",
    "admin",
    "yes",
    "on",
    *BAD_CURSORS,
]

# Query and form names every page might read, besides those found on the pages themselves.
KNOWN_NAMES = [
    "after",
    "before",
    "cursor",
    "sort",
    "dir",
    "q",
    "state",
    "workspace",
    "creator",
    "period",
    "start",
    "end",
    "from",
    "to",
    "group",
    "compare",
    "check",
    "hashes",
    "confirm",
    "disabled",
    "waiting",
    "clear",
    "next",
    "role",
    "email",
    "name",
    "limit",
    "page",
]

# Values for path parameters, by converter (the stream and provider names are real ones too).
PATH_VALUES = {
    "id": ["1", "2", "3", "999999", "9223372036854775807"],
    "int": ["0", "1", "999999", "99999999999999999999"],
    "str": ["zzz", "00001", "²", "a" * 300, "%F0%9F%92%A5", "..", "-1", "null"],
    "slug": ["keys", "credits", "connection", "zzz", "-", "a" * 100],
    "regex": ["sso", "zzz", "%00"],  # %00: a NUL in the path (PostgreSQL cannot compare it)
    "uidb64": ["MQ", "zzz", "AAAA"],
    "token": ["set-password", "zzz-zzz", "a" * 100],
}
# Spellings of ids that must never reach a view (each is a 404 from the URL conf).
BAD_ID_SPELLINGS = ["00001", "01", "99999999999999999999", "9223372036854775808", "0"]

_NAME = re.compile(r'\bname="([^"]{1,64})"')


def field_names(html: str) -> set[str]:
    """The names of every input, select and textarea on a page."""
    return {n for n in _NAME.findall(html) if n != "csrfmiddlewaretoken"}


def path_value(converter: str, name: str, index: int, real: dict[str, list[str]]) -> str:
    """A value for one path parameter: real ids of this organisation come first."""
    pool = [*real.get(name, []), *PATH_VALUES.get(name, PATH_VALUES.get(converter, ["zzz"]))]
    value = pool[index % len(pool)]
    return value if converter in ("id", "int") else quote(value, safe="%")

"""Where the console may send a management key: an allowlist, so it probes no other host.

Allowed: OpenRouter's API, the configured default (``OPENROUTER_BASE_URL``: the sandbox in
development) and whatever the operator lists in ``OPENROUTER_ALLOWED_BASE_URLS`` (a proxy of
their own). Each must be ``https://``; plain ``http://`` only to a loopback address while the
sandbox is on (or in the tests' in-process transport, where nothing leaves the process).
A link-local metadata address or a local port is never asked, so a form cannot be used to
map the console's network by its answers.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings

from apps.gateway.errors import InvalidAddress

OPENROUTER_API = "https://openrouter.ai/api/v1"


def normalise(url: str) -> str:
    return (url or "").strip().rstrip("/")


def allowed_base_urls() -> list[str]:
    """Every base URL the console may call, in the order the connect form lists them."""
    found: list[str] = []
    for url in (
        OPENROUTER_API,
        settings.OPENROUTER_BASE_URL,
        *settings.OPENROUTER_ALLOWED_BASE_URLS,
    ):
        url = normalise(url)
        if url and url not in found and _scheme_problem(url) is None:
            found.append(url)
    return found


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _scheme_problem(url: str) -> str | None:
    """Why ``url`` is not a well-formed address the console may use, or None."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
        host.encode("idna")  # raises UnicodeError for a name no resolver would take
    except (ValueError, UnicodeError):
        return "Enter a valid URL."
    if not host or parts.scheme not in ("http", "https"):
        return "Enter a valid URL."
    if parts.username is not None or parts.password is not None:
        return "The address must not carry a user name or password."
    if parts.query or parts.fragment:
        return "The address must not carry a query or fragment."
    if parts.scheme == "http":
        in_process = settings.OPENROUTER_TRANSPORT == "wsgi"
        if not (settings.SANDBOX_ENABLED and (_is_loopback(host) or in_process)):
            return "Use an https:// address (plain http only reaches the local sandbox)."
    return None


def base_url_problem(url: str) -> str | None:
    """Why the console will not call ``url``, or None when it may."""
    url = normalise(url)
    problem = _scheme_problem(url)
    if problem is not None:
        return problem
    allowed = allowed_base_urls()
    if url not in allowed:
        return "This console only connects to " + ", ".join(allowed) + "."
    return None


def base_url_check(url: str) -> str:
    """``url`` normalised, or :class:`InvalidAddress` (on the ``base_url`` field)."""
    problem = base_url_problem(url)
    if problem is not None:
        raise InvalidAddress(problem, field="base_url")
    return normalise(url)

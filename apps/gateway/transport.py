"""The pooled httpx clients the SDK runs on, and per-attempt request logging."""

from __future__ import annotations

import logging
import threading
import time

import httpx
from django.conf import settings

logger = logging.getLogger("console.gateway")


class LoggingTransport(httpx.BaseTransport):
    """Logs method, path, status and milliseconds of every attempt; never headers."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = self.inner.handle_request(request)
        except httpx.HTTPError as exc:
            elapsed = (time.perf_counter() - started) * 1000
            logger.warning(
                "upstream %s %s failed: %s after %.0f ms",
                request.method,
                request.url.path,
                type(exc).__name__,
                elapsed,
            )
            raise
        elapsed = (time.perf_counter() - started) * 1000
        logger.info(
            "upstream %s %s %s %.0f ms",
            request.method,
            request.url.path,
            response.status_code,
            elapsed,
        )
        return response

    def close(self) -> None:
        self.inner.close()


def _in_process_app():
    """This process's Django app, minus the per-request connection closing.

    A WSGI server closes stale database connections around each request; in-process
    that would close the caller's own connection (and a test's transaction), so the
    app runs the way Django's test client runs it.
    """
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    django_app = get_wsgi_application()

    def app(environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            result = django_app(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                if hasattr(result, "close"):
                    result.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

    return app


def _inner_transport(mode: str) -> httpx.BaseTransport:
    if mode == "wsgi":
        # Tests: hand requests straight to this process's Django app (the sandbox).
        return httpx.WSGITransport(app=_in_process_app())
    return httpx.HTTPTransport(
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10)
    )


_clients: dict[tuple, httpx.Client] = {}
_lock = threading.Lock()


def http_client() -> httpx.Client:
    """One pooled client per (transport, timeouts), shared by every organisation."""
    key = (
        settings.OPENROUTER_TRANSPORT,
        settings.OPENROUTER_CONNECT_TIMEOUT,
        settings.OPENROUTER_READ_TIMEOUT,
    )
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = httpx.Client(
                transport=LoggingTransport(_inner_transport(settings.OPENROUTER_TRANSPORT)),
                timeout=httpx.Timeout(
                    settings.OPENROUTER_READ_TIMEOUT, connect=settings.OPENROUTER_CONNECT_TIMEOUT
                ),
                follow_redirects=False,
            )
            _clients[key] = client
        return client

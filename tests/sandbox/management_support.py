"""Helpers for the sandbox management tests: a JSON client and the official SDK in-process."""

from __future__ import annotations

import httpx
import openrouter
from django.test import Client

from apps.gateway.transport import _in_process_app

BASE = "/sandbox/api/v1"


class Api:
    """A thin JSON client for one bearer secret."""

    def __init__(self, secret: str | None) -> None:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
        self.client = Client(**headers)

    def get(self, path: str, **params):
        return self.client.get(f"{BASE}{path}", params)

    def post(self, path: str, body=None):
        return self.client.post(f"{BASE}{path}", body or {}, content_type="application/json")

    def put(self, path: str, body=None):
        return self.client.put(f"{BASE}{path}", body or {}, content_type="application/json")

    def patch(self, path: str, body=None):
        return self.client.patch(f"{BASE}{path}", body or {}, content_type="application/json")

    def delete(self, path: str, **params):
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return self.client.delete(f"{BASE}{path}" + (f"?{query}" if query else ""))


def sdk(secret: str) -> openrouter.OpenRouter:
    """The official SDK talking to this process's sandbox through WSGI (no sockets)."""
    return openrouter.OpenRouter(
        api_key=secret,
        server_url=f"http://testserver{BASE}",
        client=httpx.Client(transport=httpx.WSGITransport(app=_in_process_app())),
    )


def inference_key(api: Api, **body) -> tuple[str, str]:
    """Create an ordinary key; returns ``(hash, secret)``."""
    response = api.post("/keys", {"name": "inference", **body})
    assert response.status_code == 201, response.content
    payload = response.json()
    return payload["data"]["hash"], payload["key"]

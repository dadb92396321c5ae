"""OAuth PKCE (``/auth``, ``/auth/keys``, ``/auth/keys/code``): linking a person's upstream user."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from django.views.decorators.debug import sensitive_variables

from apps.gateway.core import Credentials, call, credentials_for

if TYPE_CHECKING:
    from apps.accounts.models import Organisation

__all__ = [
    "Exchanged",
    "auth_code_create",
    "auth_code_exchange",
    "auth_page_origin",
    "auth_page_url",
    "s256",
]

API_SUFFIX = "/api/v1"


@dataclass(frozen=True)
class Exchanged:
    """What ``POST /auth/keys`` hands back: a new key's secret and whose key it is."""

    user_id: str | None
    secret: str = field(repr=False)

    @property
    def key_hash(self) -> str:
        # Upstream names a key by the SHA-256 of its secret (``/keys/{hash}``).
        return hashlib.sha256(self.secret.encode()).hexdigest()


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of ``verifier`` (RFC 7636: base64url of SHA-256, no padding)."""
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def auth_page_url(organisation: Organisation, *, callback_url: str, code_challenge: str) -> str:
    """Upstream's authorisation page for this organisation: ``https://openrouter.ai/auth`` for
    ``https://openrouter.ai/api/v1``; the sandbox's ``…/sandbox/auth`` beside its API."""
    base = organisation.base_url.rstrip("/")
    if base.endswith(API_SUFFIX):
        base = base[: -len(API_SUFFIX)]
    query = urlencode(
        {
            "callback_url": callback_url,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{base}/auth?{query}"


def auth_page_origin(organisation: Organisation) -> str:
    """The authorisation page's origin (a form that redirects there must allow it)."""
    parts = urlsplit(organisation.base_url)
    return f"{parts.scheme}://{parts.netloc}"


@sensitive_variables("code", "code_verifier", "response")
def auth_code_exchange(organisation: Organisation, *, code: str, code_verifier: str) -> Exchanged:
    """``POST /auth/keys``: swap a code (and the verifier of its challenge) for a key. The
    endpoint needs no key; none is sent. Never retried: a code works once."""
    creds = Credentials(base_url=organisation.base_url, api_key="")
    response = call(
        creds,
        lambda sdk: sdk.o_auth.exchange_auth_code_for_api_key(
            code=code, code_verifier=code_verifier, code_challenge_method="S256"
        ),
        idempotent=False,
    )
    return Exchanged(user_id=response.user_id, secret=response.key)


def auth_code_create(
    organisation: Organisation,
    *,
    callback_url: str,
    code_challenge: str | None = None,
    key_label: str | None = None,
    limit: float | None = None,
    usage_limit_type: str | None = None,
    workspace_id: str | None = None,
) -> str:
    """``POST /auth/keys/code`` with the management key: a code someone can claim; its id."""
    fields = {
        "code_challenge": code_challenge,
        "code_challenge_method": "S256" if code_challenge else None,
        "key_label": key_label,
        "limit": limit,
        "usage_limit_type": usage_limit_type,
        "workspace_id": workspace_id,
    }
    response = call(
        credentials_for(organisation),
        lambda sdk: sdk.o_auth.create_auth_code(
            callback_url=callback_url, **{k: v for k, v in fields.items() if v is not None}
        ),
        idempotent=False,
    )
    return response.data.id

"""OAuth PKCE: ``POST /auth/keys/code`` makes a code, ``POST /auth/keys`` swaps it for a key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone

from apps.sandbox.http import ApiError, Caller, endpoint, field, iso, json_body
from apps.sandbox.keys_service import LIMIT_RESETS, key_insert, parse_expiry
from apps.sandbox.lookups import workspace_by_ref
from apps.sandbox.models import AuthCode
from apps.sandbox.routers import SANDBOX_ALIAS

CODE_TTL = timedelta(minutes=10)
METHODS = ("S256", "plain")
SANDBOX_APP_ID = 4242


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@endpoint(auth="key", methods=("POST",))
def auth_code_create(request, caller: Caller):
    body = json_body(request)
    callback = field(body, "callback_url", str, required=True)
    if not callback.startswith(("https://", "http://localhost", "http://127.0.0.1")):
        raise ApiError(400, "callback_url must be https (or http on localhost)")
    challenge = field(body, "code_challenge", str)
    method = field(body, "code_challenge_method", str, choices=METHODS)
    if method and not challenge:
        raise ApiError(400, "code_challenge_method needs a code_challenge")
    limit = field(body, "limit", (int, float))
    if limit is not None and limit < 0:
        raise ApiError(400, "limit must be a non-negative number")
    raw_expiry = field(body, "expires_at", str)
    code = AuthCode.objects.create(
        code=secrets.token_urlsafe(24),
        account=caller.account,
        workspace=workspace_by_ref(
            caller.account, field(body, "workspace_id", str), missing_status=400
        )
        if body.get("workspace_id")
        else caller.key.workspace,
        user_id=caller.key.creator_user_id,
        app_id=SANDBOX_APP_ID,
        callback_url=callback,
        code_challenge=challenge,
        code_challenge_method=(method or "plain") if challenge else None,
        key_label=field(body, "key_label", str),
        limit=float(limit) if limit is not None else None,
        limit_reset=field(body, "usage_limit_type", str, choices=LIMIT_RESETS),
        key_expires_at=parse_expiry(raw_expiry) if raw_expiry else None,
        expires_at=timezone.now() + CODE_TTL,
    )
    return JsonResponse(
        {"data": {"id": code.code, "app_id": code.app_id, "created_at": iso(code.created_at)}}
    )


def _verify(code: AuthCode, verifier: str | None, method: str | None) -> None:
    if code.code_challenge is None:
        return
    if not verifier:
        raise ApiError(400, "code_verifier is required for this code")
    used_method = method or code.code_challenge_method
    if used_method != code.code_challenge_method:
        raise ApiError(400, "code_challenge_method does not match the one the code was made with")
    expected = s256(verifier) if used_method == "S256" else verifier
    if not hmac.compare_digest(expected, code.code_challenge):
        raise ApiError(403, "Invalid code_verifier")


@endpoint(auth="optional", methods=("POST",))
def auth_keys_exchange(request, caller: Caller | None):
    body = json_body(request)
    code_value = field(body, "code", str, required=True)
    verifier = field(body, "code_verifier", str)
    method = field(body, "code_challenge_method", str, choices=METHODS)
    with transaction.atomic(using=SANDBOX_ALIAS):
        code = (
            AuthCode.objects.select_for_update()
            .select_related("account", "workspace")
            .filter(code=code_value)
            .first()
        )
        if code is None or code.used_at is not None or code.expires_at <= timezone.now():
            raise ApiError(403, "Invalid or expired authorization code")
        _verify(code, verifier, method)
        code.used_at = timezone.now()
        code.save(update_fields=["used_at"])
        _key, secret = key_insert(
            code.account,
            code.workspace,
            name=code.key_label or "OAuth key",
            limit=code.limit,
            limit_reset=code.limit_reset,
            expires_at=code.key_expires_at,
            creator_user_id=code.user_id,
        )
    return JsonResponse({"key": secret, "user_id": code.user_id})

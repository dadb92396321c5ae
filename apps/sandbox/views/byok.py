"""``/byok``: provider credentials. The secret is write-only; responses show a masked label."""

from __future__ import annotations

import json

from django.db.models import Max, Q
from django.http import JsonResponse
from django.utils import timezone

from apps.sandbox.http import ApiError, Caller, endpoint, field, iso, json_body, ok
from apps.sandbox.lookups import workspace_by_ref
from apps.sandbox.models import ByokKey
from apps.sandbox.views.common import own_key_hashes, paginated, parse_uuid, str_list

_PROVIDER_SLUGS = """
ai21 aion-labs akashml alibaba amazon-bedrock amazon-bedrock/claude-on-aws amazon-nova
ambient anthropic anthropic/2 arcee-ai assemblyai atlas-cloud avian azure baidu baseten
black-forest-labs byteplus cerebras chutes cirrascale clarifai claude-on-aws cloudflare
cohere coreweave cosine crusoe darkbloom databricks decart deepgram deepinfra deepseek
dekallm digitalocean elevenlabs featherless fireworks fish-audio friendli gmicloud
google-ai-studio google-vertex groq heygen inception inceptron inferact-vllm inference-net
infermatic inflection io-net ionstream krea liquid makora mancer mara meta minimax mistral
modal modelrun modular moonshotai morph near-ai nebius nex-agi nextbit novita nvidia ollama
open-inference openai parasail pareto-alpha perceptron perplexity phala poolside
primeintellect quiver recraft recursive reka relace respan runway sail-research sakana
sakana-ai sambanova scaledown seed siliconflow sourceful stepfun streamlake switchpoint
tencent tenstorrent thinkingmachines together typesafe unbiased upstage venice voyageai
wafer wandb wandb-legacy xai xiaomi z-ai
"""
PROVIDERS = frozenset(_PROVIDER_SLUGS.split())
REGIONS = ("global", "europe", "us")
_FLAGS = ("disabled", "is_fallback", "is_required", "is_byok_only")


def byok_label(secret: str) -> str:
    """``sk-...AbCd``: the secret's prefix up to its first dash, then its last four."""
    try:
        parsed = json.loads(secret)
        if isinstance(parsed, dict) and isinstance(parsed.get("api_key"), str):
            secret = parsed["api_key"]
    except ValueError:
        pass
    head, dash, _rest = secret.partition("-")
    prefix = f"{head}-" if dash and len(head) <= 6 else secret[:4]
    return f"{prefix}...{secret[-4:]}"


def byok_json(k: ByokKey) -> dict:
    return {
        "id": str(k.id),
        "provider": k.provider,
        "name": k.name,
        "label": k.label,
        "disabled": k.disabled,
        "is_fallback": k.is_fallback,
        "is_required": k.is_required,
        "is_byok_only": k.is_byok_only,
        "sort_order": k.sort_order,
        "allowed_models": k.allowed_models,
        "allowed_user_ids": k.allowed_user_ids,
        "allowed_api_key_hashes": k.allowed_api_key_hashes,
        "declared_region": k.declared_region,
        "declared_zdr": k.declared_zdr,
        "workspace_id": str(k.workspace_id) if k.workspace_id else None,
        "created_at": iso(k.created_at),
    }


def _live(account):
    return ByokKey.objects.filter(account=account, deleted_at__isnull=True)


@endpoint(auth="management", methods=("GET", "POST"))
def byok_collection(request, caller: Caller):
    if request.method == "POST":
        return _create(request, caller)
    ws = workspace_by_ref(caller.account, request.GET.get("workspace_id"), missing_status=400)
    keys = _live(caller.account).filter(Q(workspace=ws) | Q(workspace__isnull=True))
    if provider := request.GET.get("provider"):
        if provider not in PROVIDERS:
            raise ApiError(400, f"provider must be a known provider slug, not {provider}")
        keys = keys.filter(provider=provider)
    return paginated(request, keys.order_by("provider", "sort_order", "created_at"), byok_json)


def _secret(body: dict, *, required: bool) -> str | None:
    secret = field(body, "key", str, required=required)
    if secret is not None and len(secret.strip()) < 8:
        raise ApiError(400, "key must be a provider API key")
    return secret.strip() if secret else secret


def _apply(k: ByokKey, body: dict, caller: Caller) -> None:
    if "name" in body:
        k.name = field(body, "name", str, nullable=True)
    for flag in _FLAGS:
        if flag in body:
            setattr(k, flag, field(body, flag, bool))
    if "allowed_models" in body:
        k.allowed_models = str_list(body, "allowed_models")
    if "allowed_user_ids" in body:
        users = str_list(body, "allowed_user_ids")
        if users:
            known = set(
                caller.account.members.filter(user_id__in=users).values_list("user_id", flat=True)
            )
            missing = [u for u in users if u not in known]
            if missing:
                raise ApiError(400, f"allowed_user_ids: {missing[0]} is not an organization member")
        k.allowed_user_ids = users
    if "allowed_api_key_hashes" in body:
        hashes = str_list(body, "allowed_api_key_hashes", non_empty=True)
        if hashes is not None:
            own_key_hashes(caller.account, hashes, "allowed_api_key_hashes")
        k.allowed_api_key_hashes = hashes
    if "declared_region" in body:
        k.declared_region = field(body, "declared_region", str, nullable=True, choices=REGIONS)
    if "declared_zdr" in body:
        k.declared_zdr = field(body, "declared_zdr", bool, nullable=True)
    if k.is_byok_only and k.is_fallback:
        raise ApiError(400, "is_byok_only cannot be combined with is_fallback")


def _create(request, caller: Caller):
    body = json_body(request)
    provider = field(body, "provider", str, required=True)
    if provider not in PROVIDERS:
        raise ApiError(400, f"provider must be a known provider slug, not {provider}")
    secret = _secret(body, required=True)
    ws = workspace_by_ref(caller.account, field(body, "workspace_id", str), missing_status=400)
    k = ByokKey(
        account=caller.account,
        workspace=ws,
        provider=provider,
        secret=secret,
        label=byok_label(secret),
    )
    _apply(k, body, caller)
    last = (
        _live(caller.account)
        .filter(provider=provider, workspace=ws)
        .aggregate(m=Max("sort_order"))["m"]
    )
    k.sort_order = 0 if last is None else last + 1
    k.save()
    return ok(byok_json(k), status=201)


@endpoint(auth="management", methods=("GET", "PATCH", "DELETE"))
def byok_item(request, caller: Caller, byok_id: str):
    k = _live(caller.account).filter(id=parse_uuid(byok_id, "BYOK key")).first()
    if k is None:
        raise ApiError(404, "BYOK key not found")
    if request.method == "DELETE":
        k.deleted_at = timezone.now()
        k.secret = ""
        k.save(update_fields=["deleted_at", "secret"])
        return JsonResponse({"deleted": True})
    if request.method == "PATCH":
        body = json_body(request)
        secret = _secret(body, required=False)
        if secret is not None:
            k.secret, k.label = secret, byok_label(secret)
        _apply(k, body, caller)
        k.updated_at = timezone.now()
        k.save()
    return ok(byok_json(k))

"""Demo data for the management API: workspace members and budgets, BYOK keys,
guardrails with assignments, observability destinations, presets, and generations.

Called by ``seed.seed_account`` after keys and activity exist. It draws from its own
random stream, so the core demo data stays exactly what it was without it.
"""

from __future__ import annotations

import math
import random
import string
import uuid
from datetime import UTC, datetime, time, timedelta

from django.db.models import Sum

from apps.sandbox.catalog import MODELS_BY_ID
from apps.sandbox.models import (
    ActivityRecord,
    ByokKey,
    Generation,
    Guardrail,
    GuardrailKeyAssignment,
    GuardrailMemberAssignment,
    ObservabilityDestination,
    OrganizationSettings,
    Preset,
    PresetVersion,
    WorkspaceBudget,
    WorkspaceMembership,
)
from apps.sandbox.usage import window_start

GENERATIONS = 60
GENERATION_DAYS = 14
_PROMPTS = [
    (
        "Summarise this support ticket in two sentences.",
        "The customer cannot log in after resetting their password. They ask for a manual unlock.",
    ),
    (
        "Write a SQL query for monthly active users.",
        "SELECT date_trunc('month', seen_at) AS "
        "month, count(DISTINCT user_id) FROM events GROUP BY 1 ORDER BY 1;",
    ),
    ("Translate 'Your order has shipped' into German.", "Ihre Bestellung wurde versandt."),
    ("Suggest three names for an internal wiki bot.", "1. Wikibot 2. Pagefinder 3. Lorekeeper"),
    (
        "Classify the sentiment of: 'Great service, slow delivery'.",
        "Mixed: positive about service, negative about delivery.",
    ),
]


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _at(day, rng: random.Random) -> datetime:
    return datetime.combine(
        day, time(rng.randrange(24), rng.randrange(60), rng.randrange(60)), tzinfo=UTC
    )


def seed_management(account, members, workspaces, keys, options, today, start) -> None:
    rng = random.Random(f"{options.account_id}:{options.seed}:management")
    owner = members[0].user_id
    OrganizationSettings.objects.create(account=account)
    _memberships(members, workspaces, rng, start)
    _budgets(account, workspaces, today, start, rng)
    _byok(account, workspaces, keys, members, rng, start)
    _guardrails(account, workspaces, keys, members, rng, start, owner)
    _destinations(account, workspaces, keys, rng, start)
    presets = _presets(account, workspaces, rng, start, owner)
    _generations(account, keys, presets, rng, today)


def _memberships(members, workspaces, rng, start) -> None:
    rows = []
    for ws in workspaces:
        chosen = members if ws.is_default else [members[0], *rng.sample(members[1:], k=3)]
        for m in chosen:
            rows.append(
                WorkspaceMembership(
                    id=_uuid(rng),
                    workspace=ws,
                    user_id=m.user_id,
                    role="admin" if m.role == "org:admin" else "member",
                    created_at=_at(start - timedelta(days=15), rng),
                )
            )
    WorkspaceMembership.objects.bulk_create(rows)


def _spent(account, ws, since) -> float:
    rows = ActivityRecord.objects.filter(account=account, workspace=ws)
    if since is not None:
        rows = rows.filter(date__gte=since)
    return float(rows.aggregate(s=Sum("usage", default=0.0))["s"])


def _budgets(account, workspaces, today, start, rng) -> None:
    """Budgets with head-room over current spend (the demo keys keep working), ordered
    lifetime > monthly > weekly."""
    targets = workspaces[:2]
    for ws in targets:
        limits = {}
        for interval, factor in (("weekly", 2.5), ("monthly", 2.0), ("lifetime", 3.0)):
            spent = _spent(
                account, ws, window_start(None if interval == "lifetime" else interval, today)
            )
            limits[interval] = max(10.0, math.ceil(spent * factor / 10) * 10)
        limits["monthly"] = max(limits["monthly"], limits["weekly"] + 10)
        limits["lifetime"] = max(limits["lifetime"], limits["monthly"] + 10)
        chosen = ("monthly",) if ws.is_default else ("lifetime", "monthly", "weekly")
        for interval in chosen:
            created = _at(start - timedelta(days=5), rng)
            WorkspaceBudget.objects.create(
                id=_uuid(rng),
                workspace=ws,
                interval=interval,
                limit_usd=float(limits[interval]),
                created_at=created,
                updated_at=created,
            )


def _secret(rng, prefix: str, length: int = 40) -> str:
    alphabet = string.ascii_letters + string.digits
    return prefix + "".join(rng.choice(alphabet) for _ in range(length))


def _byok(account, workspaces, keys, members, rng, start) -> None:
    from apps.sandbox.views.byok import byok_label

    specs = [
        (
            "openai",
            "Prod OpenAI (primary)",
            workspaces[0],
            _secret(rng, "sk-proj-"),
            # Only the flagship models: other default-workspace traffic stays on credits.
            {"allowed_models": ["openai/gpt-4.1", "openai/gpt-5"]},
        ),
        (
            "anthropic",
            "Anthropic shared",
            None,
            _secret(rng, "sk-ant-api03-"),
            {"is_fallback": True},
        ),
        (
            "google-vertex",
            "Vertex EU",
            workspaces[-1],
            _secret(rng, "AIza", 35),
            {
                "declared_region": "europe",
                "declared_zdr": True,
                "allowed_models": ["google/gemini-2.5-pro"],
            },
        ),
        (
            "openai",
            "OpenAI (batch jobs)",
            workspaces[0],
            _secret(rng, "sk-proj-"),
            {
                "disabled": True,
                "allowed_api_key_hashes": [keys[0].hash],
                "allowed_user_ids": [members[1].user_id],
            },
        ),
    ]
    sort_orders: dict = {}
    for provider, name, ws, secret, extra in specs:
        slot = (provider, ws.id if ws else None)
        sort_orders[slot] = sort_orders.get(slot, -1) + 1
        ByokKey.objects.create(
            id=_uuid(rng),
            account=account,
            workspace=ws,
            provider=provider,
            name=name,
            secret=secret,
            label=byok_label(secret),
            sort_order=sort_orders[slot],
            created_at=_at(start + timedelta(days=rng.randrange(0, 10)), rng),
            **extra,
        )


def _guardrails(account, workspaces, keys, members, rng, start, owner) -> None:
    created = _at(start + timedelta(days=2), rng)
    capped = Guardrail.objects.create(
        id=_uuid(rng),
        account=account,
        workspace=workspaces[0],
        name="Interns - capped",
        description="Cheap models only, $25/week",
        limit_usd=25.0,
        reset_interval="weekly",
        allowed_models=["openai/gpt-4.1-mini-2025-04-14", "google/gemini-2.5-flash"],
        allowed_providers=["openai", "azure", "google-vertex"],
        policy={
            "enforce_zdr_openai": True,
            "allowed_data_regions": None,
            "content_filter_builtins": [{"slug": "email", "action": "redact", "label": "[EMAIL]"}],
        },
        created_at=created,
    )
    prod = Guardrail.objects.create(
        id=_uuid(rng),
        account=account,
        workspace=workspaces[-1],
        name="Production policy",
        description="ZDR everywhere, no training, block leaked secrets",
        include_byok_in_budgets=True,
        policy={
            "enforce_zdr_anthropic": True,
            "enforce_zdr_openai": True,
            "enforce_zdr_google": True,
            "enforce_zdr_xai": True,
            "enforce_zdr_other": True,
            "enable_free_model_training": False,
            "enable_paid_model_training": False,
            "allowed_data_regions": ["global", "europe"],
            "content_filters": [
                {"pattern": r"ACME-\d{6}", "action": "block", "label": "internal ticket id"}
            ],
            "content_filter_builtins": [
                {"slug": "secrets", "action": "block", "label": "[SECRET]"},
                {"slug": "regex-prompt-injection", "action": "flag", "scan_scope": "all_messages"},
            ],
        },
        created_at=created + timedelta(hours=3),
        updated_at=created + timedelta(days=4),
    )
    research = Guardrail.objects.create(
        id=_uuid(rng),
        account=account,
        workspace=workspaces[0],
        name="Research sandbox",
        description="No Mistral models while the evaluation runs",
        ignored_providers=["mistral"],
        created_at=created + timedelta(days=1),
    )
    live = [k for k in keys if not k.disabled]

    def pick(words: tuple[str, ...], fallback: slice) -> list:
        named = [k for k in live if any(w in k.name for w in words)]
        return named[:3] or live[fallback]

    taken: set[str] = set()
    for guardrail, chosen in (
        (capped, pick(("notebook", "hackathon", "prototype"), slice(5, 7))),
        (prod, pick(("checkout-service prod", "partner-api", "mobile-app"), slice(0, 2))),
        (research, pick(("eval-harness", "recsys"), slice(3, 4))),
    ):
        for key in chosen:
            if key.hash in taken:
                continue  # one guardrail per key
            taken.add(key.hash)
            GuardrailKeyAssignment.objects.create(
                id=_uuid(rng),
                guardrail=guardrail,
                key=key,
                assigned_by=owner,
                created_at=created + timedelta(days=rng.randrange(1, 5)),
            )
    GuardrailMemberAssignment.objects.create(
        id=_uuid(rng),
        account=account,
        guardrail=research,
        user_id=members[-1].user_id,
        assigned_by=owner,
        created_at=created + timedelta(days=2),
    )


def _destinations(account, workspaces, keys, rng, start) -> None:
    created = _at(start + timedelta(days=6), rng)
    ObservabilityDestination.objects.create(
        id=_uuid(rng),
        account=account,
        workspace=workspaces[0],
        type="langfuse",
        name="Prod Langfuse",
        sampling_rate=0.25,
        privacy_mode=True,
        regions=["global"],
        broadcast_generation_cost=True,
        filter_rules={
            "enabled": True,
            "groups": [
                {
                    "logic": "and",
                    "rules": [{"field": "total_cost", "operator": "gt", "value": 0.01}],
                }
            ],
        },
        config={
            "baseUrl": "https://us.cloud.langfuse.com",
            "publicKey": _secret(rng, "pk-lf-", 32),
            "secretKey": _secret(rng, "sk-lf-", 32),
        },
        created_at=created,
        updated_at=created + timedelta(days=2),
    )
    ObservabilityDestination.objects.create(
        id=_uuid(rng),
        account=account,
        workspace=workspaces[-1],
        type="webhook",
        name="Cost alerts webhook",
        api_key_hashes=[k.hash for k in keys[:3]],
        config={
            "url": "https://hooks.example.com/openrouter",
            "method": "POST",
            "headers": {"Authorization": _secret(rng, "Bearer ", 24)},
        },
        created_at=created + timedelta(days=1),
        updated_at=created + timedelta(days=1),
    )


def _presets(account, workspaces, rng, start, owner) -> list[Preset]:
    specs = [
        (
            "support-bot",
            "Concise support agent",
            [
                (
                    "You are a support agent.",
                    {"model": "anthropic/claude-sonnet-4.5", "temperature": 0.7},
                ),
                (
                    "You are a concise support agent.",
                    {
                        "model": "anthropic/claude-sonnet-4.5",
                        "temperature": 0.3,
                        "provider": {"sort": "price"},
                    },
                ),
            ],
        ),
        (
            "sql-helper",
            None,
            [
                (
                    "Answer with one PostgreSQL query.",
                    {"model": "openai/gpt-4.1-mini", "max_tokens": 400},
                ),
                (
                    "Answer with one PostgreSQL query and no prose.",
                    {"model": "openai/gpt-4.1", "max_tokens": 400, "temperature": 0},
                ),
                (
                    "Answer with one PostgreSQL query and no prose.",
                    {
                        "model": "openai/gpt-4.1-mini",
                        "max_tokens": 600,
                        "temperature": 0,
                        "reasoning": {"effort": "low"},
                    },
                ),
            ],
        ),
    ]
    presets = []
    for index, (slug, description, versions) in enumerate(specs):
        created = _at(start + timedelta(days=8 + index * 5), rng)
        preset = Preset.objects.create(
            id=_uuid(rng),
            account=account,
            workspace=workspaces[0],
            slug=slug,
            name=slug,
            description=description,
            creator_user_id=owner,
            created_at=created,
            updated_at=created,
        )
        version = None
        for number, (prompt, config) in enumerate(versions, start=1):
            at = created + timedelta(days=number - 1, hours=rng.randrange(1, 8))
            version = PresetVersion.objects.create(
                id=_uuid(rng),
                preset=preset,
                version=number,
                config=config,
                system_prompt=prompt,
                creator_id=owner,
                created_at=at,
                updated_at=at,
            )
        preset.designated_version = version
        preset.updated_at = version.created_at
        preset.save(update_fields=["designated_version", "updated_at"])
        presets.append(preset)
    return presets


def _generation_id(rng, created: datetime) -> str:
    alphabet = string.ascii_letters + string.digits
    return f"gen-{int(created.timestamp())}-" + "".join(rng.choice(alphabet) for _ in range(20))


def _generations(account, keys, presets, rng, today) -> None:
    used = list(
        ActivityRecord.objects.filter(
            account=account, date__gte=today - timedelta(days=GENERATION_DAYS)
        )
        .values("key_hash", "model", "model_permaslug", "provider_name", "workspace_id", "user_id")
        .distinct()
    )
    if not used:
        return
    by_hash = {k.hash: k for k in keys}
    rows = []
    for _ in range(GENERATIONS):
        pick = rng.choice(used)
        model = MODELS_BY_ID.get(pick["model"])
        created = _at(today - timedelta(days=rng.randrange(0, GENERATION_DAYS)), rng)
        prompt_tokens, completion_tokens = rng.randint(80, 3000), rng.randint(20, 900)
        prompt_price = model.prompt_price if model else 1e-6
        completion_price = model.completion_price if model else 4e-6
        cost = round(prompt_tokens * prompt_price + completion_tokens * completion_price, 8)
        cached = int(prompt_tokens * rng.choice([0, 0, 0.25, 0.5]))
        reasoning = int(completion_tokens * 0.3) if "gemini-2.5-pro" in pick["model"] else 0
        streamed = rng.random() < 0.6
        latency = round(rng.uniform(180, 1400), 1)
        prompt, completion = rng.choice(_PROMPTS)
        errored = rng.random() < 0.05
        key = by_hash.get(pick["key_hash"])
        preset = rng.choice(presets) if presets and rng.random() < 0.15 else None
        rows.append(
            Generation(
                id=_generation_id(rng, created),
                account=account,
                key_hash=pick["key_hash"],
                user_id=pick["user_id"],
                workspace_id=pick["workspace_id"],
                created_at=created,
                model=pick["model_permaslug"],
                origin=rng.choice(["", "https://app.example.com", "https://internal.example"]),
                provider_name=pick["provider_name"],
                total_cost=0.0 if errored else cost,
                usage=0.0 if errored else cost,
                upstream_inference_cost=None if errored else round(cost * 0.95, 8),
                cache_discount=round(cached * prompt_price * 0.75, 8) if cached else None,
                finish_reason="error" if errored else rng.choice(["stop", "stop", "length"]),
                native_finish_reason="error" if errored else "stop",
                tokens_prompt=prompt_tokens,
                tokens_completion=0 if errored else completion_tokens,
                native_tokens_prompt=prompt_tokens,
                native_tokens_completion=0 if errored else completion_tokens,
                native_tokens_reasoning=reasoning,
                native_tokens_cached=cached,
                num_media_prompt=0,
                num_media_completion=0,
                num_search_results=0,
                latency=latency,
                generation_time=round(latency + completion_tokens * rng.uniform(8, 25), 1),
                moderation_latency=None,
                streamed=streamed,
                cancelled=False,
                upstream_id=f"chatcmpl-{uuid.UUID(int=rng.getrandbits(128)).hex[:24]}",
                external_user=key.external_user if key else None,
                preset_id=str(preset.id) if preset else None,
                user_agent=rng.choice(
                    ["openrouter-python/1.3.84", "curl/8.5.0", "OpenAI/Python 1.99.0"]
                ),
                http_referer=None,
                router=None,
                provider_responses=[
                    {
                        "status": 502 if errored else 200,
                        "provider_name": pick["provider_name"],
                        "id": f"resp_{uuid.UUID(int=rng.getrandbits(128)).hex[:16]}",
                        "latency": latency,
                        "is_byok": False,
                        "model_permaslug": pick["model_permaslug"],
                        **({"endpoint_id": model.endpoint_id} if model else {}),
                    }
                ],
                request_id=f"req_{uuid.UUID(int=rng.getrandbits(128)).hex[:16]}",
                content_input={"messages": [{"role": "user", "content": prompt}]}
                if rng.random() < 0.7
                else None,
                content_output=None if errored else {"completion": completion, "reasoning": None},
                content_error=(
                    {
                        "message": "Provider returned error",
                        "status": 502,
                        "provider_name": pick["provider_name"],
                        "raw": None,
                        "previous_errors": [],
                    }
                    if errored
                    else None
                ),
            )
        )
    Generation.objects.bulk_create(rows)

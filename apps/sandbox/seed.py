"""The deterministic demo loader: accounts with workspaces, keys, members and activity.

Same seed and sizes → same data (dates are relative to today, so the last 90 days
always hold activity). Secrets are derived from the seed, so the demo management key
is stable and ``sandbox_credentials`` can print it.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction

from apps.sandbox.catalog import MODELS, PROVIDERS, CatalogModel
from apps.sandbox.keys_service import key_insert
from apps.sandbox.models import Account, ActivityRecord, ApiKey, Member, Workspace
from apps.sandbox.routers import SANDBOX_ALIAS
from apps.sandbox.seed_management import seed_management
from apps.sandbox.usage import utc_today

DEMO_ACCOUNT_ID = "org_demo0000000000000000000001"
SECOND_ACCOUNT_ID = "org_demo0000000000000000000002"

_KEY_NAMES = [
    "checkout-service prod",
    "checkout-service staging",
    "support-bot",
    "ci-runner",
    "data-pipeline",
    "search-reranker",
    "mobile-app",
    "internal-wiki-assistant",
    "sales-email-drafts",
    "eval-harness",
    "notebook-alice",
    "notebook-bob",
    "notebook-chen",
    "doc-summariser",
    "translation-service",
    "ops-incident-bot",
    "code-review-bot",
    "analytics-sql-helper",
    "marketing-copy",
    "legal-redline",
    "prototype-agents",
    "onboarding-guide",
    "qa-test-generator",
    "recsys-experiments",
    "voice-agent",
    "hr-helpdesk",
    "billing-reconciler",
    "partner-api",
    "hackathon-2026",
    "legacy-importer",
]
_MEMBERS = [
    ("Ada", "Lovelace", "org:admin"),
    ("Grace", "Hopper", "org:admin"),
    ("Alan", "Turing", "org:member"),
    ("Katherine", "Johnson", "org:member"),
    ("Edsger", "Dijkstra", "org:member"),
    ("Barbara", "Liskov", "org:member"),
]
_WORKSPACES = [
    ("Default", "default", "Everything not filed elsewhere"),
    ("Production", "production", "Customer-facing traffic"),
    ("Research", "research", "Experiments and evaluation"),
    ("Internal Tools", "internal-tools", "Assistants for staff"),
    ("Partners", "partners", "Partner integrations"),
]


@dataclass(frozen=True)
class SeedOptions:
    account_id: str = DEMO_ACCOUNT_ID
    name: str = "Demo Organisation"
    seed: int = 42
    workspaces: int = 3
    keys: int = 30
    days: int = 90
    models: int = 12
    credits: float = 2500.0


def management_secret(account_id: str, seed: int) -> str:
    digest = hashlib.sha256(f"sandbox-management:{account_id}:{seed}".encode()).hexdigest()
    return f"sk-or-v1-{digest}"


def _user_id(rng: random.Random) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "user_" + "".join(rng.choice(alphabet) for _ in range(27))


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _secret(rng: random.Random) -> str:
    return "sk-or-v1-" + "".join(rng.choice("0123456789abcdef") for _ in range(64))


def _at(day, rng: random.Random) -> datetime:
    return datetime.combine(
        day, time(rng.randrange(24), rng.randrange(60), rng.randrange(60)), tzinfo=UTC
    )


@transaction.atomic(using=SANDBOX_ALIAS)
def seed_account(options: SeedOptions) -> tuple[Account, str]:
    """(Re)create one account; returns it and its management key's secret."""
    rng = random.Random(f"{options.account_id}:{options.seed}")
    # Keys first: they PROTECT their workspace, which the account cascade also deletes.
    ApiKey.objects.filter(account_id=options.account_id).delete()
    Account.objects.filter(id=options.account_id).delete()
    today = utc_today()
    start = today - timedelta(days=options.days)
    members = []
    account = Account.objects.create(
        id=options.account_id,
        name=options.name,
        owner_user_id="",
        total_credits=Decimal(str(options.credits)),
        created_at=_at(start - timedelta(days=30), rng),
    )
    for first, last, role in _MEMBERS:
        members.append(
            Member.objects.create(
                account=account,
                user_id=_user_id(rng),
                first_name=first,
                last_name=last,
                role=role,
                email=f"{first.lower()}@{options.account_id[-4:]}.example.com",
            )
        )
    account.owner_user_id = members[0].user_id
    account.save(update_fields=["owner_user_id"])

    workspaces = []
    for name, slug, description in _WORKSPACES[: max(1, options.workspaces)]:
        workspaces.append(
            Workspace.objects.create(
                id=_uuid(rng),
                account=account,
                name=name,
                slug=slug,
                description=description,
                is_default=slug == "default",
                created_by=members[0].user_id,
                default_guardrail_id=_uuid(rng),
                created_at=_at(start - timedelta(days=20), rng),
            )
        )

    secret = management_secret(options.account_id, options.seed)
    key_insert(
        account,
        workspaces[0],
        name="Console management key",
        secret=secret,
        is_management=True,
        creator_user_id=members[0].user_id,
        created_at=_at(start - timedelta(days=10), rng),
    )

    models = MODELS[: max(1, min(options.models, len(MODELS)))]
    keys = [
        _seed_key(account, i, rng, workspaces, members, today, start) for i in range(options.keys)
    ]
    _seed_activity(account, keys, models, rng, today, start)
    seed_management(account, members, workspaces, keys, options, today, start)
    return account, secret


def _seed_key(account, index, rng, workspaces, members, today, start) -> ApiKey:
    name = _KEY_NAMES[index % len(_KEY_NAMES)]
    if index >= len(_KEY_NAMES):
        name = f"{name} {index // len(_KEY_NAMES) + 1}"
    limit, reset = rng.choice(
        [
            (None, None),
            (None, None),
            (10.0, "daily"),
            (50.0, "weekly"),
            (200.0, "monthly"),
            (25.0, "monthly"),
            (500.0, None),
            (5.0, "daily"),
        ]
    )
    created = _at(start + timedelta(days=rng.randrange(0, 20)), rng)
    expiry_pick = rng.random()
    if expiry_pick < 0.1:
        expires = _at(today - timedelta(days=rng.randrange(1, 20)), rng)  # already expired
    elif expiry_pick < 0.3:
        expires = _at(today + timedelta(days=rng.randrange(1, 14)), rng)  # expiring soon
    elif expiry_pick < 0.5:
        expires = _at(today + timedelta(days=rng.randrange(30, 200)), rng)
    else:
        expires = None
    key, _secret_value = key_insert(
        account,
        workspaces[index % len(workspaces)],
        name=name,
        secret=_secret(rng),
        limit=limit,
        limit_reset=reset,
        include_byok_in_limit=rng.random() < 0.2,
        expires_at=expires,
        disabled=rng.random() < 0.1,
        creator_user_id=members[index % len(members)].user_id,
        created_at=created,
        updated_at=created + timedelta(days=rng.randrange(0, 5)) if rng.random() < 0.5 else None,
    )
    return key


def _seed_activity(account, keys, models: list[CatalogModel], rng, today, start) -> None:
    rows = []
    for key in keys:
        if rng.random() < 0.12:
            continue  # some keys are never used
        favourites = rng.sample(models, k=min(len(models), rng.randint(1, 3)))
        intensity = rng.choice([0.2, 0.5, 1.0, 2.0, 4.0])
        first_day = max(start, key.created_at.date())
        last_day = today if key.expires_at is None else min(today, key.expires_at.date())
        day = first_day
        last_used = None
        while day <= last_day:
            weekday_factor = 0.35 if day.weekday() >= 5 else 1.0
            for model in favourites:
                if rng.random() > 0.8 * weekday_factor:
                    continue
                requests = max(1, int(rng.expovariate(1 / (40 * intensity))))
                prompt = requests * rng.randint(300, 2500)
                completion = requests * rng.randint(80, 700)
                cached = int(prompt * rng.choice([0, 0, 0.1, 0.3]))
                reasoning = int(completion * 0.3) if "gemini-2.5-pro" in model.id else 0
                cost = prompt * model.prompt_price + completion * model.completion_price
                byok = rng.random() < 0.08
                rows.append(
                    ActivityRecord(
                        account=account,
                        date=day,
                        key_hash=key.hash,
                        user_id=key.creator_user_id,
                        workspace_id=key.workspace_id,
                        model=model.id,
                        model_permaslug=model.permaslug,
                        endpoint_id=model.endpoint_id,
                        provider_name=PROVIDERS[model.provider].name,
                        requests=requests,
                        usage=0.0 if byok else round(cost, 6),
                        byok_usage_inference=round(cost, 6) if byok else 0.0,
                        prompt_tokens=prompt,
                        completion_tokens=completion,
                        reasoning_tokens=reasoning,
                        cached_tokens=cached,
                    )
                )
                last_used = day
            day += timedelta(days=1)
        if last_used is not None:
            key.last_used_at = _at(last_used, rng)
            key.save(update_fields=["last_used_at"])
    ActivityRecord.objects.bulk_create(rows, batch_size=2000)

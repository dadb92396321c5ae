"""The demo: sandbox data, demo organisations connected to it, and three demo logins.

Only this loader creates the demo users (password ``demo``); nothing else does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from apps.accounts.models import ConnectionStatus, Membership, Organisation, User
from apps.accounts.roles import Role
from apps.audit.context import Actor
from apps.audit.models import AuditEntry
from apps.keys.models import KeyRequest
from apps.keys.services.requests import key_request_approve, key_request_create
from apps.members.services import identity_set
from apps.playground.models import PlaygroundRun, SavedExchange
from apps.sandbox.models import Account, Member, masked_label
from apps.sandbox.seed import (
    DEMO_ACCOUNT_ID,
    SECOND_ACCOUNT_ID,
    SeedOptions,
    management_secret,
    seed_account,
)
from apps.syncs.registry import streams
from apps.syncs.runner import sync_run

DEMO_PASSWORD = "demo"  # noqa: S105 - the documented demo password, created only here
DEMO_LOGINS = (
    ("owner@demo.test", Role.OWNER),
    ("admin@demo.test", Role.ADMIN),
    ("finance@demo.test", Role.FINANCE),
    ("member@demo.test", Role.MEMBER),
)


@dataclass(frozen=True)
class DemoResult:
    organisations: list[Organisation]
    logins: tuple[tuple[str, str], ...]


def _ensure_sandbox(options: SeedOptions, reset: bool) -> str:
    if reset or not Account.objects.filter(id=options.account_id).exists():
        _account, secret = seed_account(options)
        return secret
    return management_secret(options.account_id, options.seed)


def _connect(name: str, slug: str, base_url: str, secret: str) -> Organisation:
    organisation, _ = Organisation.objects.update_or_create(
        slug=slug,
        defaults={
            "name": name,
            "base_url": base_url,
            "management_key": secret,
            "management_key_label": masked_label(secret),
            "connected_at": timezone.now(),
        },
    )
    ConnectionStatus.objects.get_or_create(organisation=organisation)
    return organisation


# The demo member is this upstream member of the demo account, so "My spend" has spend.
DEMO_MEMBER_UPSTREAM = "Alan"


def _initial_sync(organisations: list[Organisation]) -> None:
    """Fill the local caches now, so the first page a person opens is not empty.

    The web server is not up yet, so the sandbox is reached in-process; the worker's
    periodic syncs take over from here. Streams run in registration order: keys (and the
    workspaces) before activity, whose per-key breakdown resolves through the key mirror.
    """
    with override_settings(OPENROUTER_TRANSPORT="wsgi"):
        for organisation in organisations:
            for stream in streams():
                sync_run(organisation, stream.name)


def _link_demo_member(demo: Organisation) -> None:
    upstream = Member.objects.filter(
        account_id=DEMO_ACCOUNT_ID, first_name=DEMO_MEMBER_UPSTREAM
    ).first()
    member = User.objects.filter(email="member@demo.test").first()
    if upstream is None or member is None:
        return
    identity_set(
        actor=Actor.system(demo, "demo loader"),
        organisation=demo,
        user=member,
        upstream_user_id=upstream.user_id,
    )


def _demo_history(demo: Organisation) -> None:
    """A few days of ordinary use, so the queue, "My keys" and the audit log are not empty:
    one request waiting for a decision, one approved and waiting to be revealed."""
    if KeyRequest.objects.filter(organisation=demo).exists():
        return
    member = User.objects.get(email="member@demo.test")
    admin = User.objects.get(email="admin@demo.test")
    as_member = Actor(organisation=demo, user=member)
    as_admin = Actor(organisation=demo, user=admin)
    with override_settings(OPENROUTER_TRANSPORT="wsgi"):
        approved = key_request_create(
            as_member,
            purpose="Summarising support tickets in a notebook",
            name="support-notebook",
            limit=15.0,
            limit_reset="monthly",
        )
        key_request_approve(as_admin, approved)
        key_request_create(
            as_member,
            purpose="Evaluating a reranker for search",
            name="search-rerank-eval",
            limit=25.0,
            limit_reset="monthly",
        )
    for user, prompt, answer in (
        (
            member,
            "Summarise this ticket in one line: the export button does nothing on Safari.",
            "Export fails silently on Safari; needs a browser-specific fix.",
        ),
        (
            User.objects.get(email="owner@demo.test"),
            "Draft a two-line note announcing the new spending limits.",
            "From Monday each team key has a monthly limit; ask an admin to raise yours.",
        ),
        (
            admin,
            "Which of our models is cheapest for short classification?",
            "For short prompts, a small model such as openai/gpt-4o-mini costs the least.",
        ),
    ):
        SavedExchange.objects.create(
            organisation=demo,
            user=user,
            modality=PlaygroundRun.Modality.CHAT,
            model="openai/gpt-4o-mini",
            prompt=prompt,
            answer=answer,
        )
    # Spread what just happened over the last days, as it would have.
    now = timezone.now()
    for age, entry in enumerate(AuditEntry.objects.filter(organisation=demo).order_by("-id")):
        AuditEntry.objects.filter(pk=entry.pk).update(created_at=now - timedelta(days=age, hours=2))


def load_demo(
    *, base_url: str | None = None, keys: int = 30, days: int = 90, reset: bool = False
) -> DemoResult:
    base_url = base_url or settings.OPENROUTER_BASE_URL
    main = SeedOptions(account_id=DEMO_ACCOUNT_ID, name="Demo Organisation", keys=keys, days=days)
    second = SeedOptions(
        account_id=SECOND_ACCOUNT_ID,
        name="Sandbox Labs",
        seed=7,
        keys=max(1, keys // 3),
        days=days,
        workspaces=2,
        credits=300.0,
    )
    secrets = {opts.account_id: _ensure_sandbox(opts, reset) for opts in (main, second)}
    with transaction.atomic():
        demo = _connect("Demo Organisation", "demo", base_url, secrets[DEMO_ACCOUNT_ID])
        labs = _connect("Sandbox Labs", "sandbox-labs", base_url, secrets[SECOND_ACCOUNT_ID])
        for email, role in DEMO_LOGINS:
            user = User.objects.filter(email=email).first() or User(email=email)
            user.first_name = email.split("@")[0].capitalize()
            user.set_password(DEMO_PASSWORD)
            user.save()
            Membership.objects.update_or_create(
                user=user, organisation=demo, defaults={"role": role}
            )
            if role == Role.ADMIN:
                # The admin also belongs to a second organisation, to show the switcher.
                Membership.objects.update_or_create(
                    user=user, organisation=labs, defaults={"role": Role.OWNER}
                )
    _link_demo_member(demo)
    _initial_sync([demo, labs])
    _demo_history(demo)
    return DemoResult(
        organisations=[demo, labs],
        logins=tuple((email, role.label) for email, role in DEMO_LOGINS),
    )

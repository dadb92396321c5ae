"""Console keys and session keys against the sandbox: made once, limited, rotated, retired."""

from __future__ import annotations

import json

import pytest

from apps.audit.models import AuditEntry
from apps.core.errors import Invalid, NotAllowed
from apps.gateway import inference as gateway
from apps.gateway.errors import RateLimited, UpstreamUnavailable
from apps.inference import services
from apps.inference.models import ConsoleKey
from apps.keys.models import Key
from apps.sandbox.keys_service import key_insert
from apps.sandbox.models import Account, ApiKey, Workspace

pytestmark = pytest.mark.django_db
CHAT = [{"role": "user", "content": "Hello there"}]


def test_console_key_is_made_once_with_the_daily_limit(organisation, member, actor_for):
    first = services.console_key_for(actor_for(member), member)
    again = services.console_key_for(actor_for(member), member)
    assert first.pk == again.pk
    assert first.name == "console playground · member@acme.test"
    upstream = ApiKey.objects.get(hash=first.key_hash)
    assert upstream.limit == 5.0 and upstream.limit_reset == "daily"
    mirror = Key.objects.get(organisation=organisation, hash=first.key_hash)
    assert mirror.owner == member
    # The secret is kept encrypted and works for inference; audit entries never hold it.
    creds = services.console_credentials(first)
    assert gateway.key_current(creds).is_management_key is False
    secret = services.console_credentials(first).api_key
    for entry in AuditEntry.objects.filter(organisation=organisation):
        assert secret not in json.dumps([entry.before, entry.after])
    assert secret not in repr(first.secret) and secret not in str(first.secret)


def test_rotation_makes_a_successor_and_deletes_the_old_key(organisation, member, actor_for):
    old = services.console_key_for(actor_for(member), member)
    new = services.console_key_rotate(actor_for(member), old)
    assert new.key_hash != old.key_hash and new.active
    old.refresh_from_db()
    assert not old.active and old.retired_reason == "rotated"
    assert ApiKey.objects.get(hash=old.key_hash).deleted_at is not None
    assert AuditEntry.objects.filter(action="console_key.rotate", target_id=old.key_hash).exists()


def test_member_cannot_rotate_someone_elses_console_key(organisation, member, admin, actor_for):
    theirs = services.console_key_for(actor_for(admin), admin)
    with pytest.raises(NotAllowed):
        services.console_key_rotate(actor_for(member), theirs)


def test_a_person_who_leaves_stops_using_their_key_and_it_is_deleted(
    organisation, member, actor_for, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    console_key = services.console_key_for(actor_for(member), member)
    with django_capture_on_commit_callbacks(execute=True):
        member.memberships.get(organisation=organisation).delete()
    console_key.refresh_from_db()
    assert not console_key.active and not console_key.delete_pending
    assert ApiKey.objects.get(hash=console_key.key_hash).deleted_at is not None


def test_settings_change_the_limit_of_every_console_key(organisation, admin, member, actor_for):
    from decimal import Decimal

    key = services.console_key_for(actor_for(member), member)
    services.inference_settings_update(actor_for(admin), daily_limit=Decimal("2.50"))
    assert ApiKey.objects.get(hash=key.key_hash).limit == 2.5
    key.refresh_from_db()
    assert key.daily_limit == Decimal("2.50")


def test_session_key_must_be_an_ordinary_key_of_this_organisation(
    organisation, sandbox_account, admin, member, actor_for, synced_keys
):
    account, management = sandbox_account
    session: dict = {}
    with pytest.raises(Invalid):
        services.session_key_set(session, actor_for(admin), "not a key", own_keys_only=False)
    # The management key is refused even though it is "of this organisation".
    with pytest.raises(Invalid):
        services.session_key_set(session, actor_for(admin), management, own_keys_only=False)
    workspace = Workspace.objects.get(account=account, is_default=True)
    _key, secret = key_insert(account, workspace, name="pasted", limit=None)
    with pytest.raises(Invalid, match="not one of this organisation"):
        services.session_key_set(session, actor_for(admin), secret, own_keys_only=False)


def test_member_may_paste_only_their_own_key(organisation, member, admin, actor_for):
    mine = services.console_key_for(actor_for(member), member)
    theirs = services.console_key_for(actor_for(admin), admin)
    session: dict = {}
    with pytest.raises(NotAllowed):
        services.session_key_set(
            session,
            actor_for(member),
            services.console_credentials(theirs).api_key,
            own_keys_only=True,
        )
    held = services.session_key_set(
        session, actor_for(member), services.console_credentials(mine).api_key, own_keys_only=True
    )
    assert held.kind == "session" and held.key_hash == mine.key_hash
    # Held encrypted: the session never carries the secret in clear.
    assert services.console_credentials(mine).api_key not in json.dumps(session)
    chosen = services.inference_key_for(actor_for(member), session=session, prefer_session=True)
    assert chosen.kind == "session"
    services.session_key_clear(session)
    assert services.inference_key_for(actor_for(member), session=session).kind == "console"


# --- the gateway with an ordinary key ----------------------------------------------------------


def test_chat_and_stream_with_a_console_key(organisation, member, actor_for):
    key = services.inference_key_for(actor_for(member))
    answer = gateway.chat(key.creds, model="openai/gpt-4o-mini", messages=CHAT)
    assert answer.choices[0].message.content
    chunks = list(gateway.chat_stream(key.creds, model="openai/gpt-4o-mini", messages=CHAT))
    assert len(chunks) > 1 and any(c.usage for c in chunks)


def test_no_credit_says_which_limit(organisation, member, actor_for, sandbox_account):
    account, _ = sandbox_account
    key = services.inference_key_for(actor_for(member))
    Account.objects.filter(pk=account.pk).update(total_credits=0)
    with pytest.raises(gateway.NoCredit) as caught:
        gateway.chat(key.creds, model="openai/gpt-4o-mini", messages=CHAT)
    assert caught.value.limit_source == "openrouter_credits"
    assert "credit" in caught.value.user_message


def test_key_limit_402_says_the_keys_limit(organisation, member, actor_for):
    key = services.inference_key_for(actor_for(member))
    ApiKey.objects.filter(hash=key.key_hash).update(limit=0.0000001)
    gateway.chat(key.creds, model="openai/gpt-4o-mini", messages=CHAT)
    with pytest.raises(gateway.NoCredit) as caught:
        gateway.chat(key.creds, model="openai/gpt-4o-mini", messages=CHAT)
    assert caught.value.limit_source == "openrouter_key_limit"
    assert "key's spending limit" in caught.value.user_message


def test_workspace_budget_403_names_the_layer(organisation, member, actor_for, sandbox_account):
    from django.test import Client

    _account, management = sandbox_account
    key = services.inference_key_for(actor_for(member))
    gateway.chat(key.creds, model="openai/gpt-4o-mini", messages=CHAT)
    workspace = ApiKey.objects.get(hash=key.key_hash).workspace_id
    Client(HTTP_AUTHORIZATION=f"Bearer {management}").put(
        f"/sandbox/api/v1/workspaces/{workspace}/budgets/daily",
        json.dumps({"limit_usd": 0.00000001}),
        content_type="application/json",
    )
    with pytest.raises(gateway.PolicyBlocked) as caught:
        gateway.chat(key.creds, model="openai/gpt-4o-mini", messages=CHAT)
    assert caught.value.scope == "workspace" and caught.value.budget_id
    assert "workspace's budget" in caught.value.user_message


@pytest.mark.parametrize(("fault", "error"), [("429", RateLimited), ("503", UpstreamUnavailable)])
def test_upstream_failures_map_to_the_family(
    organisation, member, actor_for, upstream_fault, fault, error
):
    key = services.inference_key_for(actor_for(member))
    upstream_fault(fault)
    with pytest.raises(error):
        gateway.chat(key.creds, model="openai/gpt-4o-mini", messages=CHAT)


def test_service_key_is_one_per_organisation(organisation):
    first = services.service_key_for(organisation)
    assert services.service_key_for(organisation).pk == first.pk
    assert first.user is None and first.purpose == ConsoleKey.Purpose.SERVICE

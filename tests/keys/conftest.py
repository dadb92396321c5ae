from __future__ import annotations

import pytest

from apps.audit.context import Actor
from apps.keys.models import Key
from apps.keys.services import sync
from apps.sandbox.models import Account


@pytest.fixture
def synced(organisation):
    """The organisation with its keys mirrored locally by one sync pass."""
    run = sync.keys_sync(organisation)
    assert run is not None and run.status == "ok", run and run.message
    return run


@pytest.fixture
def actor_for():
    def make(user, organisation=None) -> Actor:
        membership = user.memberships.select_related("organisation").first()
        return Actor(organisation=organisation or membership.organisation, user=user)

    return make


@pytest.fixture
def upstream_fault(sandbox_account):
    """``upstream_fault("503")``: every sandbox request of the account fails that way."""
    account, _secret = sandbox_account

    def set_fault(spec: str) -> None:
        Account.objects.filter(pk=account.pk).update(fault=spec)

    return set_fault


@pytest.fixture
def some_key(synced, organisation) -> Key:
    return Key.objects.filter(organisation=organisation, disabled=False).order_by("name").first()

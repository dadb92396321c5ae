"""The official SDK parses what the sandbox core returns (through the gateway, in-process)."""

from __future__ import annotations

import pytest

from apps.gateway import account as gw_account
from apps.gateway import keys as gw_keys
from apps.gateway import workspaces as gw_workspaces

pytestmark = pytest.mark.django_db


def test_sdk_reads_current_key_credits_activity_workspaces(organisation):
    assert gw_account.current_key(organisation).is_management_key is True
    credits = gw_account.credits_get(organisation)
    assert credits.total_credits == 100.0
    assert len(gw_account.activity_list(organisation)) > 0
    assert len(gw_workspaces.workspaces_list(organisation, page_size=2)) == 3


def test_sdk_key_lifecycle(organisation):
    key, secret = gw_keys.key_create(
        organisation, name="sdk key", limit=12.5, limit_reset="monthly"
    )
    assert secret.startswith("sk-or-v1-")
    assert gw_keys.key_get(organisation, key.hash).limit == 12.5
    assert gw_keys.key_update(organisation, key.hash, disabled=True).disabled is True
    assert any(k.hash == key.hash for k in gw_keys.keys_iter(organisation))
    assert gw_keys.key_delete(organisation, key.hash) is True

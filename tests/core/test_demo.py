"""The demo's first sync fills the spend pages, not only the key mirror."""

from __future__ import annotations

import pytest

from apps.core.demo import load_demo
from apps.keys.models import Key
from apps.spend.models import CreditSnapshot, SpendFact, SpendWorkspace, Stream, SyncRun

pytestmark = pytest.mark.django_db


def test_load_demo_runs_the_keys_and_spend_syncs_in_process():
    result = load_demo(base_url="http://testserver/sandbox/api/v1", keys=6, days=10, reset=True)
    for organisation in result.organisations:
        outcomes = dict(
            SyncRun.objects.filter(organisation=organisation).values_list("stream", "outcome")
        )
        assert outcomes == dict.fromkeys(Stream.values, "ok")
        assert Key.objects.filter(organisation=organisation).exists()
        assert SpendWorkspace.objects.filter(organisation=organisation).exists()
        assert CreditSnapshot.objects.filter(organisation=organisation).exists()
    demo = result.organisations[0]
    assert SpendFact.objects.filter(organisation=demo).exclude(key_hash="").exists()

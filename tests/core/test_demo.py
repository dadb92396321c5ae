"""The demo's first sync fills every page, and every role has a login."""

from __future__ import annotations

import pytest

from apps.accounts.models import Membership
from apps.core.demo import DEMO_LOGINS, load_demo
from apps.keys.models import Key
from apps.members.models import UpstreamIdentity
from apps.spend.models import CreditSnapshot, SpendFact
from apps.spend.selectors import scope_for
from apps.syncs.models import SyncRun
from apps.syncs.registry import streams
from apps.workspaces.models import Workspace

pytestmark = pytest.mark.django_db


def test_load_demo_runs_every_stream_in_process():
    result = load_demo(base_url="http://testserver/sandbox/api/v1", keys=6, days=10, reset=True)
    for organisation in result.organisations:
        outcomes = dict(
            SyncRun.objects.filter(organisation=organisation).values_list("stream", "outcome")
        )
        assert outcomes == {s.name: "ok" for s in streams()}
        assert Key.objects.filter(organisation=organisation).exists()
        assert Workspace.objects.filter(organisation=organisation).exists()
        assert CreditSnapshot.objects.filter(organisation=organisation).exists()
    demo = result.organisations[0]
    assert SpendFact.objects.filter(organisation=demo).exclude(key_hash="").exists()


def test_the_demo_has_an_owner_and_its_member_sees_spend():
    result = load_demo(base_url="http://testserver/sandbox/api/v1", keys=6, days=10, reset=True)
    demo = result.organisations[0]
    roles = dict(Membership.objects.filter(organisation=demo).values_list("user__email", "role"))
    assert roles == dict(DEMO_LOGINS)
    assert "owner" in roles.values()
    member = Membership.objects.get(organisation=demo, user__email="member@demo.test")
    assert UpstreamIdentity.objects.filter(organisation=demo, user=member.user).exists()
    scope = scope_for(member)
    assert (
        scope.key_hashes
        and SpendFact.objects.filter(organisation=demo, key_hash__in=scope.key_hashes).exists()
    )

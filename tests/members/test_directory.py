"""The upstream member directory: names for spend by member, and links made by email."""

from __future__ import annotations

import pytest

from apps.gateway.organization import organization_members
from apps.members.models import UpstreamIdentity, UpstreamMember
from apps.members.services import members_mirror
from apps.sandbox.models import Member
from apps.spend.selectors import labels_for
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def members_sync(organisation) -> int:
    return members_mirror(organisation, organization_members(organisation))


def test_directory_names_every_upstream_member(organisation, sandbox_account):
    account, _secret = sandbox_account
    upstream = list(Member.objects.filter(account=account))
    assert members_sync(organisation) == len(upstream)
    labels = labels_for(organisation).members
    first = upstream[0]
    assert labels[first.user_id] == f"{first.first_name} {first.last_name}"
    assert UpstreamMember.objects.filter(organisation=organisation).count() == len(upstream)


def test_console_users_are_linked_by_email_but_manual_links_stay(organisation, sandbox_account):
    account, _secret = sandbox_account
    ada, grace = list(Member.objects.filter(account=account))[:2]
    by_email = MembershipFactory(organisation=organisation, user=UserFactory(email=ada.email)).user
    manual = MembershipFactory(organisation=organisation, user=UserFactory(email=grace.email)).user
    UpstreamIdentity.objects.create(
        organisation=organisation, user=manual, upstream_user_id="user_manual"
    )
    members_sync(organisation)
    linked = UpstreamIdentity.objects.get(organisation=organisation, user=by_email)
    assert linked.upstream_user_id == ada.user_id and linked.source == "email"
    assert (
        UpstreamIdentity.objects.get(organisation=organisation, user=manual).upstream_user_id
        == "user_manual"
    )
    assert labels_for(organisation).members[ada.user_id] == ada.email  # a console link wins


def test_replaying_the_directory_changes_nothing(organisation, sandbox_account):
    members_sync(organisation)
    before = list(
        UpstreamMember.objects.values_list("user_id", "email", "name").order_by("user_id")
    )
    members_sync(organisation)
    after = list(UpstreamMember.objects.values_list("user_id", "email", "name").order_by("user_id"))
    assert before == after


def test_members_gone_upstream_leave_the_directory(organisation, sandbox_account):
    account, _secret = sandbox_account
    members_sync(organisation)
    gone = Member.objects.filter(account=account).last()
    gone.delete()
    members_sync(organisation)
    assert not UpstreamMember.objects.filter(
        organisation=organisation, user_id=gone.user_id
    ).exists()

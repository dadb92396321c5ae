"""Organisation members pages: the upstream members beside the console's users."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.guardrails.models import GuardrailMemberAssignment
from apps.members.models import UpstreamIdentity, UpstreamMember
from apps.syncs.runner import sync_run
from apps.workspaces.models import WorkspaceMember

pytestmark = pytest.mark.django_db
LIST = reverse("org_members:list")


@pytest.fixture
def mirrored(organisation):
    for stream in ("keys", "members", "workspaces", "guardrails"):
        assert sync_run(organisation, stream).run.ok, stream
    return organisation


def test_members_listed_with_workspaces_guardrail_and_console_user_without_upstream(
    client_for, finance, admin, mirrored, monkeypatch
):
    held = GuardrailMemberAssignment.objects.get(organisation=mirrored)
    someone = UpstreamMember.objects.get(organisation=mirrored, user_id=held.user_id)
    UpstreamIdentity.objects.create(
        organisation=mirrored, user=admin, upstream_user_id=someone.user_id
    )
    monkeypatch.setattr(
        "apps.gateway.core._attempt", lambda *a, **k: pytest.fail("a page called upstream")
    )
    body = client_for(finance).get(LIST).content.decode()
    row = body[body.index(someone.label) :]
    row = row[: row.index("</tr>")]
    assert "Research sandbox" in row and admin.email in row
    spaces = WorkspaceMember.objects.filter(organisation=mirrored, user_id=someone.user_id)
    assert spaces.count() >= 1
    for m in UpstreamMember.objects.filter(organisation=mirrored):
        assert reverse("org_members:detail", args=[m.user_id]) in body


def test_search_answers_the_results_partial(client_for, admin, mirrored):
    someone = UpstreamMember.objects.filter(organisation=mirrored).order_by("name").first()
    response = client_for(admin).get(LIST, {"q": someone.email}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and someone.label in body
    other = UpstreamMember.objects.filter(organisation=mirrored).order_by("-name").first()
    assert other.label not in body


def test_member_page_shows_the_members_effective_policy(client_for, admin, mirrored):
    held = GuardrailMemberAssignment.objects.get(organisation=mirrored)
    url = reverse("org_members:detail", args=[held.user_id])
    body = client_for(admin).get(url).content.decode()
    assert 'data-testid="effective-policy"' in body and "Research sandbox" in body
    assert "mistral" in body  # the guardrail's ignored provider


def test_members_role_cannot_open_the_directory(client_for, member, mirrored):
    assert client_for(member).get(LIST).status_code == 403


def test_outsider_sees_none_of_another_organisations_members(client_for, outsider, mirrored):
    someone = UpstreamMember.objects.filter(organisation=mirrored).first()
    assert someone.label not in client_for(outsider).get(LIST).content.decode()
    url = reverse("org_members:detail", args=[someone.user_id])
    assert client_for(outsider).get(url).status_code == 404


def test_the_hand_linking_page_is_offered_only_to_who_may_open_it(
    client_for, finance, admin, mirrored
):
    link = reverse("spend:identities")
    assert link not in client_for(finance).get(LIST).content.decode()
    assert client_for(finance).get(link).status_code == 403
    assert link in client_for(admin).get(LIST).content.decode()


def _row(body: str, label: str) -> str:
    row = body[body.index(label) :]
    return row[: row.index("</tr>")]


def test_each_member_shows_their_spend_over_the_spend_pages_window(client_for, finance, mirrored):
    from datetime import timedelta

    from apps.core.periods import utc_today
    from apps.spend.models import SpendFact

    someone = UpstreamMember.objects.filter(organisation=mirrored).order_by("name").first()
    today = utc_today()
    for day, micros in ((1, 1_250_000), (30, 2_000_000), (31, 9_000_000), (0, 7_000_000)):
        SpendFact.objects.create(
            organisation=mirrored,
            date=today - timedelta(days=day),
            model="m/x",
            user_id=someone.user_id,
            usage_micros=micros,
        )
    row = _row(client_for(finance).get(LIST).content.decode(), someone.label)
    # The last 30 completed days: yesterday and 30 days ago, not today nor 31 days ago.
    assert "$3.25" in row and f"?member={someone.user_id}" in row
    detail = client_for(finance).get(reverse("org_members:detail", args=[someone.user_id]))
    assert "$3.25" in detail.content.decode()


def test_an_upstream_member_without_a_console_account_is_invited(
    client_for, admin, finance, mirrored, mailoutbox, django_capture_on_commit_callbacks
):
    from apps.accounts.models import Invitation
    from apps.audit.models import AuditEntry

    someone = UpstreamMember.objects.filter(organisation=mirrored).order_by("name").first()
    invite = reverse("org_members:invite", args=[someone.user_id])
    assert f'action="{invite}"' not in client_for(finance).get(LIST).content.decode()
    assert client_for(finance).post(invite).status_code == 403
    body = client_for(admin).get(LIST).content.decode()
    assert f'action="{invite}"' in _row(body, someone.label)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(invite)
    assert response.status_code == 302
    invitation = Invitation.objects.get(organisation=mirrored, email=someone.email.lower())
    assert invitation.role == "member" and mailoutbox[0].to == [someone.email.lower()]
    assert AuditEntry.objects.filter(
        organisation=mirrored, action__startswith="invitation"
    ).exists()
    row = _row(client_for(admin).get(LIST).content.decode(), someone.label)
    assert "invited" in row and f'action="{invite}"' not in row

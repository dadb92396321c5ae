"""Members, invitations by link, roles, the organisation switcher, and sign-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Invitation, Membership
from apps.audit.models import AuditEntry
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_admin_sees_members_page(client_for, organisation, admin, member):
    page = client_for(admin).get(reverse("accounts:members")).content.decode()
    assert "member@acme.test" in page


@pytest.mark.parametrize("persona", ["member", "finance"])
def test_non_admins_cannot_manage_members(client_for, organisation, persona, request):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(reverse("accounts:members")).status_code == 403
    response = client_for(user).post(
        reverse("accounts:invitation_create"), {"email": "x@y.z", "role": "admin"}
    )
    assert response.status_code == 403


def test_invitation_by_link_creates_account_and_membership(
    client_for, organisation, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(
            reverse("accounts:invitation_create"),
            {"email": "New@Example.com", "role": "finance"},
            HTTP_HX_REQUEST="true",
        )
    assert response.status_code == 200
    assert "Invitation sent" in response["HX-Trigger"]
    invitation = Invitation.objects.get(email="new@example.com")
    assert invitation.token in response.content.decode()
    assert len(mail.outbox) == 1 and invitation.token in mail.outbox[0].body

    guest = Client()
    accept = reverse("accounts:invitation_accept", args=[invitation.token])
    assert "Join Acme" in guest.get(accept).content.decode()
    response = guest.post(
        accept,
        {
            "first_name": "Nia",
            "last_name": "N",
            "password1": "a-Long-passphrase-9",
            "password2": "a-Long-passphrase-9",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="new@example.com", organisation=organisation)
    assert membership.role == "finance"
    assert AuditEntry.objects.filter(organisation=organisation, action="invitation.accept").exists()
    assert guest.get(accept).status_code == 410  # used once


def test_invitation_form_errors_keep_input(client_for, organisation, admin):
    response = client_for(admin).post(
        reverse("accounts:invitation_create"),
        {"email": "not-an-email", "role": "member"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert 'value="not-an-email"' in response.content.decode()


def test_admin_is_offered_and_may_grant_only_the_roles_below_owner(client_for, organisation, admin):
    page = client_for(admin).get(reverse("accounts:members"))
    offered = [value for value, _label in page.context["form"].fields["role"].choices]
    assert offered == ["admin", "finance", "member"]
    assert [v for v, _l in page.context["role_choices"]] == offered
    response = client_for(admin).post(
        reverse("accounts:invitation_create"), {"email": "o@x.io", "role": "owner"}
    )
    assert response.status_code == 422
    assert "roles you may grant" in response.content.decode()
    assert not Invitation.objects.exists()


def test_owner_is_offered_every_role(client_for, organisation, owner):
    page = client_for(owner).get(reverse("accounts:members"))
    assert [v for v, _l in page.context["role_choices"]] == ["owner", "admin", "finance", "member"]


def test_expired_invitation_is_refused(organisation, admin):
    invitation = Invitation.objects.create(
        organisation=organisation, email="late@x.io", role="member"
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    assert (
        Client().get(reverse("accounts:invitation_accept", args=[invitation.token])).status_code
        == 410
    )


def test_invitation_revoke(client_for, organisation, admin):
    invitation = Invitation.objects.create(organisation=organisation, email="r@x.io", role="member")
    client_for(admin).post(reverse("accounts:invitation_revoke", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_outsider_cannot_touch_another_orgs_invitation_or_membership(
    client_for, organisation, admin, outsider
):
    invitation = Invitation.objects.create(organisation=organisation, email="r@x.io", role="member")
    target = Membership.objects.get(user=admin)
    client = client_for(outsider)
    assert (
        client.post(reverse("accounts:invitation_revoke", args=[invitation.pk])).status_code == 404
    )
    assert client.post(reverse("accounts:membership_remove", args=[target.pk])).status_code == 404
    assert (
        client.post(
            reverse("accounts:membership_role", args=[target.pk]), {"role": "member"}
        ).status_code
        == 404
    )


def test_role_change_and_last_owner_protection(client_for, organisation, owner, member):
    membership = Membership.objects.get(user=member)
    client_for(owner).post(
        reverse("accounts:membership_role", args=[membership.pk]), {"role": "finance"}
    )
    membership.refresh_from_db()
    assert membership.role == "finance"
    own = Membership.objects.get(user=owner)
    response = client_for(owner).post(
        reverse("accounts:membership_role", args=[own.pk]), {"role": "admin"}, follow=True
    )
    assert "at least one owner" in response.content.decode()
    own.refresh_from_db()
    assert own.role == "owner"
    entry = AuditEntry.objects.get(action="membership.role_change")
    assert entry.before == {"role": "member"} and entry.after == {"role": "finance"}


def test_admin_cannot_demote_an_owner(client_for, organisation, owner, admin):
    own = Membership.objects.get(user=owner)
    client_for(admin).post(reverse("accounts:membership_role", args=[own.pk]), {"role": "member"})
    own.refresh_from_db()
    assert own.role == "owner"


def test_remove_member(client_for, organisation, admin, member):
    membership = Membership.objects.get(user=member)
    client_for(admin).post(reverse("accounts:membership_remove", args=[membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEntry.objects.filter(
        action="membership.remove", target_label="member@acme.test"
    ).exists()


def test_switcher_changes_current_organisation(client_for, organisation, other_organisation, admin):
    MembershipFactory(user=admin, organisation=other_organisation, role="member")
    client = client_for(admin)
    page = client.get(reverse("dashboard:home")).content.decode()
    assert "Switch organisation" in page
    client.post(reverse("accounts:organisation_switch", args=[other_organisation.pk]))
    assert (
        "Globex"
        in client.get(reverse("dashboard:home")).content.decode().split("<hgroup>")[1][:200]
    )
    response = client.post(
        reverse("accounts:organisation_switch", args=[organisation.pk]), HTTP_HX_REQUEST="true"
    )
    assert response["HX-Refresh"] == "true"


def test_switching_to_an_organisation_you_are_not_in_is_404(
    client_for, organisation, other_organisation, admin
):
    response = client_for(admin).post(
        reverse("accounts:organisation_switch", args=[other_organisation.pk])
    )
    assert response.status_code == 404


def test_login_logout_and_password_change(organisation):
    user = UserFactory(email="pat@acme.test")
    MembershipFactory(user=user, organisation=organisation, role="member")
    client = Client()
    assert "Sign in" in client.get(reverse("accounts:login")).content.decode()
    bad = client.post(reverse("accounts:login"), {"username": "pat@acme.test", "password": "wrong"})
    assert bad.status_code == 422
    assert "correct email address and password" in bad.content.decode()
    assert 'value="pat@acme.test"' in bad.content.decode()
    ok = client.post(
        reverse("accounts:login"),
        {"username": "pat@acme.test", "password": "correct horse battery"},
    )
    assert ok.status_code == 302
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "correct horse battery",
            "new_password1": "another-Long-one-42",
            "new_password2": "another-Long-one-42",
        },
    )
    assert response.status_code == 302
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("dashboard:home")).status_code == 302


def test_password_reset_sends_a_link(organisation):
    UserFactory(email="forgetful@acme.test")
    Client().post(reverse("accounts:password_reset"), {"email": "forgetful@acme.test"})
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/" in mail.outbox[0].body

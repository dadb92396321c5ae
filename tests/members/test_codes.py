"""An admin has upstream make an authorisation code (limit, reset, workspace) for a member,
who claims it as a key, once, on their profile."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.members.models import IssuedCode
from apps.sandbox.models import ApiKey, AuthCode, secret_hash
from apps.syncs.runner import sync_run
from apps.workspaces.models import Workspace

pytestmark = pytest.mark.django_db

HOST = "127.0.0.1"  # upstream takes http callback URLs on localhost only


def _issue(client, member, **fields):
    data = {"for_user": member.pk, "key_label": "notebook", "limit": "12.5"}
    data.update(fields)
    return client.post(reverse("members:code_issue"), data, HTTP_HOST=HOST)


def test_admin_issues_a_code_with_limit_reset_and_workspace(
    client_for, admin, member, organisation
):
    sync_run(organisation, "keys")  # the key stream mirrors the workspaces too
    workspace = Workspace.objects.filter(organisation=organisation).last()
    response = _issue(
        client_for(admin), member, limit_reset="weekly", workspace_id=workspace.workspace_id
    )
    assert response.status_code == 302
    issued = IssuedCode.objects.get()
    upstream = AuthCode.objects.get(code=issued.code.reveal())
    assert (upstream.limit, upstream.limit_reset) == (12.5, "weekly")
    assert str(upstream.workspace_id) == workspace.workspace_id
    assert upstream.code_challenge_method == "S256" and upstream.key_label == "notebook"
    entry = AuditEntry.objects.get(action="member.auth_code_issued")
    assert issued.code.reveal() not in str(entry.after)


def test_the_member_claims_the_key_once(client_for, admin, member, organisation):
    _issue(client_for(admin), member, limit_reset="daily")
    client = client_for(member)
    assert b"Keys waiting for you" in client.get(reverse("members:profile")).content
    issued = IssuedCode.objects.get()
    response = client.post(reverse("members:code_claim", args=[issued.pk]))
    assert response.status_code == 200
    secret = response.context["secret"]
    key = ApiKey.objects.get(hash=secret_hash(secret))
    assert (key.name, key.limit, key.limit_reset) == ("notebook", 12.5, "daily")
    issued.refresh_from_db()
    assert issued.claimed_at and not issued.code and not issued.verifier
    claimed = AuditEntry.objects.get(action="member.auth_code_claimed")
    assert claimed.target_id == key.hash
    again = client.post(reverse("members:code_claim", args=[issued.pk]))
    assert again.status_code == 410 and secret not in again.content.decode()
    assert b"Keys waiting for you" not in client.get(reverse("members:profile")).content


def test_an_expired_code_cannot_be_claimed(client_for, admin, member, organisation):
    _issue(client_for(admin), member)
    IssuedCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    issued = IssuedCode.objects.get()
    response = client_for(member).post(reverse("members:code_claim", args=[issued.pk]))
    assert response.status_code == 410 and b"expired" in response.content
    assert AuthCode.objects.get().used_at is None


def test_a_code_upstream_no_longer_honours_is_refused(client_for, admin, member, organisation):
    _issue(client_for(admin), member)
    AuthCode.objects.update(used_at=timezone.now())
    issued = IssuedCode.objects.get()
    response = client_for(member).post(reverse("members:code_claim", args=[issued.pk]))
    assert response.status_code == 410 and b"OpenRouter refused" in response.content


def test_someone_else_cannot_claim_the_code(client_for, admin, member, finance, organisation):
    _issue(client_for(admin), member)
    issued = IssuedCode.objects.get()
    response = client_for(finance).post(reverse("members:code_claim", args=[issued.pk]))
    assert response.status_code == 404
    assert IssuedCode.objects.get().claimed_at is None


def test_an_outsider_cannot_claim_the_code(client_for, admin, member, outsider, organisation):
    _issue(client_for(admin), member)
    issued = IssuedCode.objects.get()
    assert (
        client_for(outsider).post(reverse("members:code_claim", args=[issued.pk])).status_code
        == 404
    )


def test_a_member_cannot_issue_codes(client_for, member):
    assert client_for(member).get(reverse("members:code_issue")).status_code == 403
    assert _issue(client_for(member), member).status_code == 403
    assert not IssuedCode.objects.exists()


def test_an_invalid_issue_is_refused_in_place(client_for, admin, member):
    response = _issue(client_for(admin), member, key_label="", limit="-1", limit_reset="daily")
    assert response.status_code == 422
    body = response.content.decode()
    assert "Give the key a name." in body and "cannot be negative" in body
    assert not IssuedCode.objects.exists()


def test_the_issue_form_htmx_partial(client_for, admin, member):
    response = client_for(admin).post(
        reverse("members:code_issue"), {"for_user": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert b'id="issue-form"' in response.content and b"<html" not in response.content
    assert b"Choose who may claim the key." in response.content

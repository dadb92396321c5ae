"""The audit log page: admin-only, filters, keyset pagination over HTMX, no secrets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.context import Actor
from apps.audit.models import AuditEntry
from apps.audit.selectors import PAGE_SIZE
from apps.audit.services import REDACTED, audit_record, redact

pytestmark = pytest.mark.django_db
URL = reverse("audit:list")


@pytest.fixture
def entries(organisation, admin):
    actor = Actor(organisation=organisation, user=admin, ip_address="10.0.0.1", user_agent="pytest")
    made = []
    for i in range(PAGE_SIZE + 5):
        made.append(
            audit_record(
                actor,
                action="key.create" if i % 2 else "key.update",
                target_type="key",
                target_id=f"hash{i}",
                target_label=f"key {i}",
                after={"name": f"key {i}"},
            )
        )
    return made


def test_admin_sees_newest_first_and_a_load_more(client_for, entries, admin):
    page = client_for(admin).get(URL).content.decode()
    assert f"key {PAGE_SIZE + 4}" in page
    assert "Load more" in page
    assert page.index(f"key {PAGE_SIZE + 4}") < page.index(f"key {PAGE_SIZE + 3}")


def test_htmx_load_more_returns_only_the_next_rows(client_for, entries, admin):
    first_page_last = AuditEntry.objects.order_by("-created_at", "-id")[PAGE_SIZE - 1]
    response = client_for(admin).get(URL, {"before": first_page_last.pk}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "<table" not in page and "<tr>" in page
    assert page.count("<tr>") == 5
    assert "key 0" in page


def test_filters_by_action_actor_target_and_date(client_for, entries, admin, organisation):
    client = client_for(admin)
    page = client.get(URL, {"action": "key.create"}, HTTP_HX_REQUEST="true").content.decode()
    assert "key.update</code>" not in page and "key.create</code>" in page
    assert "key 3<" in client.get(URL, {"target": "hash3"}).content.decode()
    assert "No entries match" in client.get(URL, {"actor": "nobody@"}).content.decode()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert "No entries match" in client.get(URL, {"date_from": tomorrow}).content.decode()


def test_reversed_dates_are_explained(client_for, entries, admin):
    page = (
        client_for(admin)
        .get(URL, {"date_from": "2026-05-02", "date_to": "2026-05-01"})
        .content.decode()
    )
    assert "start date is after the end date" in page


@pytest.mark.parametrize("persona", ["member", "finance"])
def test_non_admins_get_403(client_for, organisation, persona, request):
    assert client_for(request.getfixturevalue(persona)).get(URL).status_code == 403


def test_outsider_never_sees_another_orgs_entries(client_for, entries, outsider):
    page = client_for(outsider).get(URL).content.decode()
    assert "key 1<" not in page and "No entries match" in page


def test_redaction_of_secrets_by_name_and_by_shape():
    secret = "sk-or-v1-" + "a" * 64
    cleaned = redact(
        {
            "name": "x",
            "key": secret,
            "config": {"apiKey": "abc", "note": f"was {secret}"},
            "label": "sk-or-v1-aaa...aaa",
            "password": "p",
        }
    )
    assert cleaned["key"] == REDACTED and cleaned["config"]["apiKey"] == REDACTED
    assert cleaned["password"] == REDACTED and secret not in str(cleaned)
    assert cleaned["label"] == "sk-or-v1-aaa...aaa" and cleaned["name"] == "x"

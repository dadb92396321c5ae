"""Generation look-ups: what a request cost and said, kept, and shown to those entitled."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.media.models import Generation
from tests.media.conftest import age_upstream, make_due, poll_all

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def finished(member, submit):
    job = submit(member, prompt="a red kite")
    age_upstream(job, 31)
    make_due(job)
    poll_all()
    job.refresh_from_db()
    return job


def _lookup(client, generation_id, **extra):
    return client.post(
        reverse("media:generation_lookup"), {"generation_id": generation_id}, **extra
    )


def test_owner_looks_up_their_jobs_generation_with_content(client_for, member, finished):
    client = client_for(member)
    response = _lookup(client, finished.generation_id, **HTMX)
    assert response.status_code == 200 and response.headers["HX-Redirect"]
    page = client.get(reverse("media:generation_detail", args=[finished.generation_id]))
    body = page.content.decode()
    assert "google/veo-3.1" in body and "$1.60" in body and "a red kite" in body
    # Kept: found again without asking upstream.
    assert finished.generation_id in client.get(reverse("media:generations")).content.decode()
    assert Generation.objects.get().looked_up_by.filter(pk=member.pk).exists()


def test_finance_sees_the_cost_but_not_what_it_said(client_for, finance, finished):
    client = client_for(finance)
    assert _lookup(client, finished.generation_id).status_code == 302
    body = client.get(
        reverse("media:generation_detail", args=[finished.generation_id])
    ).content.decode()
    assert "$1.60" in body and "a red kite" not in body and "Only admins" in body


def test_member_cannot_look_up_someone_elses_generation(client_for, member, admin, submit):
    theirs = submit(admin, prompt="admin's")
    age_upstream(theirs, 31)
    make_due(theirs)
    poll_all()
    theirs.refresh_from_db()
    response = _lookup(client_for(member), theirs.generation_id, **HTMX)
    assert response.status_code == 422 and "not one of yours" in response.content.decode()
    _lookup(client_for(admin), theirs.generation_id)
    detail = client_for(member).get(reverse("media:generation_detail", args=[theirs.generation_id]))
    assert detail.status_code == 404


def test_an_unknown_generation_id_is_refused_in_place(client_for, admin):
    response = _lookup(client_for(admin), "gen-doesnotexist", **HTMX)
    assert response.status_code == 422 and "no generation with that id" in response.content.decode()
    assert _lookup(client_for(admin), "not an id", **HTMX).status_code == 422


def test_outsider_gets_404_for_a_generation_url(client_for, outsider, admin, finished):
    _lookup(client_for(admin), finished.generation_id)
    url = reverse("media:generation_detail", args=[finished.generation_id])
    assert client_for(outsider).get(url).status_code == 404


@pytest.mark.parametrize("fault", ["429", "503"])
def test_upstream_failures_on_lookup_are_shown_in_place(
    client_for, admin, finished, upstream_fault, fault
):
    upstream_fault(fault)
    response = _lookup(client_for(admin), finished.generation_id, **HTMX)
    assert response.status_code == 422 and 'id="lookup"' in response.content.decode()


def test_lookup_page_partial_and_prefill(client_for, member, finished):
    response = client_for(member).get(
        reverse("media:generations"), {"id": finished.generation_id}, **HTMX
    )
    body = response.content.decode()
    assert 'id="lookup"' in body and finished.generation_id in body and "<html" not in body

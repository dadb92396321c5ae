"""Image generation: the image shown and downloadable, nothing kept but id and cost."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse

from apps.inference.services import console_credentials, console_key_for
from apps.playground import services
from apps.playground.models import PlaygroundRun
from apps.sandbox.models import Generation

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
URL = reverse("playground:images")
DATA = {"model": "black-forest-labs/flux-1.1-pro", "prompt": "a red bicycle", "n": "2"}


def _text(response) -> str:
    return unescape(response.content.decode())


def test_image_run_answers_the_images_and_keeps_only_id_and_cost(
    organisation, member, catalog, actor_for
):
    result = services.image_run(
        actor_for(member), model="black-forest-labs/flux-1.1-pro", prompt="a red bicycle", n=2
    )
    images = result.data["images"]
    assert len(images) == 2 and images[0]["src"].startswith("data:image/png;base64,iVBOR")
    assert images[0]["name"].endswith("-1.png") and result.units == 2
    run = PlaygroundRun.objects.get(user=member)
    assert run.modality == "image" and run.cost is not None and run.generation_id
    mine = console_key_for(actor_for(member), member)
    assert Generation.objects.get(id=run.generation_id).key_hash == mine.key_hash


@pytest.mark.parametrize("role", ["owner", "admin", "member"])
def test_builders_open_the_page_without_upstream_calls(
    request, client_for, catalog, upstream_calls, role
):
    client = client_for(request.getfixturevalue(role))
    upstream_calls.clear()
    assert client.get(URL).status_code == 200 and upstream_calls == []


def test_finance_is_refused(client_for, finance, catalog):
    assert client_for(finance).get(URL).status_code == 403
    assert client_for(finance).post(URL, DATA).status_code == 403


def test_the_page_shows_the_images_with_downloads_and_the_cost(client_for, member, catalog):
    response = client_for(member).post(URL, DATA, **HTMX)
    body = _text(response)
    assert response.status_code == 200 and "<html" not in body
    assert body.count('data-testid="generated-image"') == 2
    assert body.count("download=") == 2 and "Download image 2" in body
    run = PlaygroundRun.objects.get(user=member)
    assert f"?id={run.generation_id}" in body and f"${run.cost.normalize()}" in body


def test_a_chat_only_model_is_refused_in_place(client_for, member, catalog):
    response = client_for(member).post(URL, {**DATA, "model": "openai/gpt-4o-mini"}, **HTMX)
    body = _text(response)
    assert response.status_code == 422 and "a red bicycle" in body


def test_too_many_images_are_refused_before_sending(client_for, member, catalog, upstream_calls):
    upstream_calls.clear()
    response = client_for(member).post(URL, {**DATA, "n": "9"}, **HTMX)
    assert response.status_code == 422 and upstream_calls == []
    assert 'value="9"' in response.content.decode()


def test_another_members_key_is_refused(client_for, member, admin, catalog, actor_for):
    theirs = console_key_for(actor_for(admin), admin)
    client = client_for(member)
    pasted = client.post(
        reverse("inference:session_set"), {"secret": console_credentials(theirs).api_key}
    )
    assert pasted.status_code == 422
    client.post(URL, {**DATA, "use_session_key": "on"}, **HTMX)
    run = PlaygroundRun.objects.get(user=member)
    assert Generation.objects.get(id=run.generation_id).key_hash != theirs.key_hash


@pytest.mark.parametrize(
    ("fault", "message"), [("402", "credit"), ("403", "not allowed"), ("503", "unavailable")]
)
def test_upstream_errors_show_in_the_form_and_nothing_is_kept(
    client_for, member, catalog, upstream_fault, actor_for, fault, message
):
    console_key_for(actor_for(member), member)
    upstream_fault(fault)
    response = client_for(member).post(URL, DATA, **HTMX)
    body = _text(response)
    assert response.status_code == 422 and message in body and "a red bicycle" in body
    assert not PlaygroundRun.objects.filter(user=member).exists()

"""Saving an exchange: nothing but the generation id and cost is kept unless the person
presses "Save this exchange"; then the text is theirs alone, listed, searchable, deletable."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from apps.audit.models import AuditEntry
from apps.playground.models import PlaygroundRun, SavedExchange
from tests.factories import MembershipFactory, UserFactory
from tests.playground.conftest import ndjson

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
STREAM = {"HTTP_X_CONSOLE_STREAM": "ndjson"}
CHAT = {"model": "openai/gpt-4o-mini", "shape": "chat", "prompt": "Where is my order 1234?"}
IMAGE = {"model": "black-forest-labs/flux-1.1-pro", "prompt": "a red boat", "n": "1"}


def _token(html: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found, "the result offers no “Save this exchange”"
    return found.group(1)


def test_a_streamed_chat_is_kept_only_once_saved(client_for, member, organisation, catalog):
    client = client_for(member)
    lines = ndjson(client.post(reverse("playground:chat"), CHAT, **STREAM))
    answer = "".join(line.get("text", "") for line in lines)
    token = _token(lines[-1]["html"])
    assert PlaygroundRun.objects.filter(user=member).count() == 1
    assert not SavedExchange.objects.exists()  # running keeps nothing but the run's row

    response = client.post(reverse("playground:save"), {"token": token}, **HTMX)
    assert response.status_code == 200 and "Exchange saved." in response["HX-Trigger"]
    saved = SavedExchange.objects.get(user=member, organisation=organisation)
    assert saved.prompt == CHAT["prompt"] and saved.answer == answer and answer
    assert saved.generation_id == PlaygroundRun.objects.get(user=member).generation_id
    assert reverse("playground:saved_detail", args=[saved.pk]) in response.content.decode()
    entry = AuditEntry.objects.get(action="playground.exchange_save")
    assert entry.actor == member and "1234" not in str(entry.after) + entry.target_label

    again = client.post(reverse("playground:save"), {"token": token}, **HTMX)
    assert again.status_code == 410 and "no longer held" in unescape(again.content.decode())
    assert SavedExchange.objects.count() == 1


def test_an_image_run_keeps_its_prompt_never_the_image(client_for, member, catalog):
    client = client_for(member)
    page = client.post(reverse("playground:images"), IMAGE, **HTMX).content.decode()
    client.post(reverse("playground:save"), {"token": _token(page)})
    saved = SavedExchange.objects.get(user=member)
    assert saved.modality == "image" and saved.prompt == "a red boat"
    assert "1 image(s) made" in saved.answer and "base64" not in saved.answer


def test_a_token_is_its_persons_only(client_for, member, organisation, catalog):
    page = client_for(member).post(reverse("playground:images"), IMAGE, **HTMX).content.decode()
    other = MembershipFactory(
        organisation=organisation, role="member", user=UserFactory(email="other@acme.test")
    ).user
    response = client_for(other).post(reverse("playground:save"), {"token": _token(page)})
    assert response.status_code == 302 and not SavedExchange.objects.exists()


def _saved(user, organisation, prompt: str, modality: str = "chat") -> SavedExchange:
    return SavedExchange.objects.create(
        organisation=organisation, user=user, modality=modality, model="m/x", prompt=prompt
    )


def test_the_list_is_searched_and_filtered_and_shows_only_mine(
    client_for, member, admin, organisation
):
    _saved(member, organisation, "refund policy question")
    _saved(member, organisation, "a lighthouse at dawn", modality="image")
    _saved(admin, organisation, "the admin's own refund note")
    client = client_for(member)
    url = reverse("playground:saved")
    page = client.get(url).content.decode()
    assert "refund policy question" in page and "lighthouse" in page and "admin" not in page
    found = client.get(url, {"q": "refund"}, **HTMX).content.decode()
    assert "refund policy question" in found and "lighthouse" not in found
    found = client.get(url, {"modality": "image"}, **HTMX).content.decode()
    assert "lighthouse" in found and "refund" not in found
    assert "No saved exchange matches" in client.get(url, {"q": "zzz"}).content.decode()


def test_another_persons_exchange_is_not_found(client_for, member, admin, organisation):
    theirs = _saved(admin, organisation, "private")
    client = client_for(member)
    assert client.get(reverse("playground:saved_detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("playground:saved_delete", args=[theirs.pk])).status_code == 404
    assert SavedExchange.objects.filter(pk=theirs.pk).exists()


def test_delete_asks_then_removes_and_records(client_for, member, organisation):
    mine = _saved(member, organisation, "to be removed")
    client = client_for(member)
    dialog = client.get(reverse("playground:saved_delete", args=[mine.pk]), **HTMX)
    assert dialog.status_code == 200 and "Delete this saved exchange?" in dialog.content.decode()
    response = client.post(reverse("playground:saved_delete", args=[mine.pk]), **HTMX)
    assert response["HX-Redirect"] == reverse("playground:saved")
    assert not SavedExchange.objects.filter(pk=mine.pk).exists()
    assert AuditEntry.objects.filter(action="playground.exchange_delete", actor=member).exists()


def test_finance_has_no_saved_exchanges(client_for, finance):
    client = client_for(finance)
    assert client.get(reverse("playground:saved")).status_code == 403
    assert client.post(reverse("playground:save"), {"token": "x"}).status_code == 403

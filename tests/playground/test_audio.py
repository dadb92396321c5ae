"""Text to speech (an audio player) and transcription (a short, checked upload)."""

from __future__ import annotations

from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.catalog.models import CatalogModel
from apps.inference.services import console_credentials, console_key_for
from apps.playground.models import PlaygroundRun
from apps.sandbox.models import Generation

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
SPEECH = reverse("playground:speech")
TRANSCRIBE = reverse("playground:transcription")
SPEECH_DATA = {"model": "openai/gpt-4o-mini-tts", "text": "Hello there", "voice": "alloy"}
TRANSCRIBE_MODEL = "openai/whisper-1"


def _text(response) -> str:
    return unescape(response.content.decode())


def _wav(size: int = 64_000, name: str = "hello.wav", kind: str = "audio/wav"):
    return SimpleUploadedFile(name, b"RIFF" + b"\0" * (size - 4), content_type=kind)


@pytest.mark.parametrize("url", [SPEECH, TRANSCRIBE])
@pytest.mark.parametrize("role", ["owner", "admin", "member"])
def test_builders_open_the_pages_without_upstream_calls(
    request, client_for, catalog, upstream_calls, role, url
):
    client = client_for(request.getfixturevalue(role))
    upstream_calls.clear()
    assert client.get(url).status_code == 200 and upstream_calls == []


def test_finance_is_refused(client_for, finance, catalog):
    client = client_for(finance)
    assert client.get(SPEECH).status_code == 403 and client.get(TRANSCRIBE).status_code == 403
    assert client.post(SPEECH, SPEECH_DATA).status_code == 403


def test_speech_plays_in_the_page_for_its_person_only(
    client_for, member, admin, organisation, catalog, actor_for
):
    client = client_for(member)
    response = client.post(SPEECH, SPEECH_DATA, **HTMX)
    body = _text(response)
    assert response.status_code == 200 and 'data-testid="speech-audio"' in body
    run = PlaygroundRun.objects.get(user=member)
    assert run.modality == "speech" and run.generation_id.startswith("gen-")
    assert f"?id={run.generation_id}" in body and "11 characters" in body
    mine = console_key_for(actor_for(member), member)
    assert Generation.objects.get(id=run.generation_id).key_hash == mine.key_hash
    audio_url = body.split('<audio controls preload="metadata" src="')[1].split('"')[0]
    audio = client.get(audio_url)
    assert audio.status_code == 200 and audio["Content-Type"] == "audio/mpeg"
    assert len(audio.content) > 0
    download = client.get(audio_url, {"download": "1"})
    assert "attachment" in download["Content-Disposition"]
    # Another person of the organisation cannot fetch it.
    assert client_for(admin).get(audio_url).status_code == 404


def test_voices_are_picked_from_the_catalog(client_for, member, catalog):
    body = _text(client_for(member).get(SPEECH))
    assert '<select name="voice"' in body
    for voice in ("alloy", "coral", "shimmer"):
        assert f'<option value="{voice}"' in body


def test_an_unknown_voice_is_explained_and_the_text_kept(
    client_for, member, catalog, upstream_calls
):
    upstream_calls.clear()
    response = client_for(member).post(SPEECH, {**SPEECH_DATA, "voice": "gandalf"}, **HTMX)
    body = _text(response)
    assert response.status_code == 422 and "Hello there" in body and "gandalf" in body
    assert upstream_calls == []


def test_a_voice_of_another_model_is_refused_with_this_models_voices(
    client_for, member, organisation, catalog, upstream_calls
):
    other = CatalogModel.objects.filter(organisation=organisation).exclude(
        model_id=SPEECH_DATA["model"]
    )[0]
    other.details = {**other.details, "voices": ["en_paul_neutral"]}
    other.save(update_fields=["details"])
    upstream_calls.clear()
    response = client_for(member).post(SPEECH, {**SPEECH_DATA, "voice": "en_paul_neutral"}, **HTMX)
    body = _text(response)
    assert response.status_code == 422 and upstream_calls == []
    assert f"{SPEECH_DATA['model']} speaks with: alloy, ash" in body


def test_speech_speed_out_of_range_is_refused_before_sending(
    client_for, member, catalog, upstream_calls
):
    upstream_calls.clear()
    response = client_for(member).post(SPEECH, {**SPEECH_DATA, "speed": "9"}, **HTMX)
    assert response.status_code == 422 and upstream_calls == []


def test_transcription_of_a_short_file(client_for, member, catalog, actor_for):
    data = {"model": TRANSCRIBE_MODEL, "audio": _wav(), "language": "en"}
    response = client_for(member).post(TRANSCRIBE, data, **HTMX)
    body = _text(response)
    assert response.status_code == 200 and "Transcript of hello.wav" in body
    assert "Sandbox transcription of 2 seconds of wav audio" in body
    run = PlaygroundRun.objects.get(user=member)
    assert run.modality == "transcription" and run.cost is not None and run.generation_id
    assert f"?id={run.generation_id}" in body and "seconds of audio" in body


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (_wav(6 * 1024 * 1024), "the limit is 5 MB"),
        (_wav(name="notes.txt", kind="text/plain"), "Only audio files are accepted"),
        (_wav(name="fake.wav", kind="application/pdf"), "this one is application/pdf"),
    ],
)
def test_a_wrong_file_is_refused_before_sending(
    client_for, member, catalog, upstream_calls, upload, message
):
    upstream_calls.clear()
    data = {"model": TRANSCRIBE_MODEL, "audio": upload, "language": "fr"}
    response = client_for(member).post(TRANSCRIBE, data, **HTMX)
    body = _text(response)
    assert response.status_code == 422 and message in body and upstream_calls == []
    assert 'value="fr"' in body


def test_another_members_key_is_refused(client_for, member, admin, catalog, actor_for):
    theirs = console_key_for(actor_for(admin), admin)
    client = client_for(member)
    pasted = client.post(
        reverse("inference:session_set"), {"secret": console_credentials(theirs).api_key}
    )
    assert pasted.status_code == 422
    client.post(SPEECH, {**SPEECH_DATA, "use_session_key": "on"}, **HTMX)
    run = PlaygroundRun.objects.get(user=member)
    assert Generation.objects.get(id=run.generation_id).key_hash != theirs.key_hash


@pytest.mark.parametrize(("fault", "message"), [("402", "credit"), ("503", "unavailable")])
def test_upstream_errors_show_in_the_form_and_nothing_is_kept(
    client_for, member, catalog, upstream_fault, actor_for, fault, message
):
    console_key_for(actor_for(member), member)
    upstream_fault(fault)
    client = client_for(member)
    spoken = client.post(SPEECH, SPEECH_DATA, **HTMX)
    heard = client.post(TRANSCRIBE, {"model": TRANSCRIBE_MODEL, "audio": _wav()}, **HTMX)
    for response in (spoken, heard):
        assert response.status_code == 422 and message in _text(response)
    assert not PlaygroundRun.objects.filter(user=member).exists()


def test_an_unknown_or_expired_audio_token_is_a_404(client_for, member):
    url = reverse("playground:speech_audio", args=["no-such-token"])
    assert client_for(member).get(url).status_code == 404

"""The playground: one page per modality (tabs), each running with the person's own key.

Chat is streamed to the page's script (one JSON object a line, ``form[data-stream]`` in
app.js) or, without JavaScript, answered whole; the other modalities answer the result
partial in place (HTMX) or the whole page.
"""

from __future__ import annotations

import json

from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.access import get_for_org, org_view
from apps.accounts.roles import Perm
from apps.audit.context import Actor
from apps.core.errors import ConsoleError
from apps.core.kit import (
    FORM_INVALID,
    can,
    confirm_dialog,
    finish,
    form_fail,
    posted,
    render_form,
    render_page,
)
from apps.core.kit import saved as saved_in_place
from apps.guardrails.selectors import policy_key
from apps.inference.services import session_key_label
from apps.playground import forms, selectors, services
from apps.playground.models import PlaygroundRun, SavedExchange

STREAM_HEADER = "HTTP_X_CONSOLE_STREAM"
TABS = [
    ("chat", "Chat"),
    ("embeddings", "Embeddings"),
    ("rerank", "Rerank"),
    ("images", "Images"),
    ("speech", "Speech"),
    ("transcription", "Transcription"),
    ("saved", "Saved"),
]
SAVED_SHOWN = 100


def _context(request: HttpRequest, tab: str, form, result=None, blocked: str = "") -> dict:
    return {
        "tab": tab,
        "tabs": TABS,
        "form": form,
        "result": result,
        "policy_url": _policy_url(request, blocked or getattr(result, "blocked_key", "")),
        "has_session_key": bool(session_key_label(request.session, request.organisation)),
        "recent": selectors.runs_recent(request.organisation, request.user),
        "saved_recent": selectors.exchanges_saved(request.organisation, request.user)[:5],
    }


def _policy_url(request: HttpRequest, key_hash: str) -> str:
    """The effective-policy page of the key a block refused, when this person may read it."""
    if not key_hash:
        return ""
    see_keys = can(request, Perm.VIEW_KEYS)
    key = policy_key(request.organisation, request.user, key_hash, see_keys=see_keys)
    return reverse("guardrails:key_policy", args=[key.hash]) if key is not None else ""


def _form(request: HttpRequest, cls):
    if request.method != "POST":
        return cls(organisation=request.organisation)
    return cls(request.POST, request.FILES, organisation=request.organisation)


def _key_choice(request: HttpRequest, form) -> dict:
    return {"session": request.session, "use_session_key": form.cleaned_data["use_session_key"]}


class _NdjsonRun:
    """The run as one JSON object a line; closing it closes the run."""

    def __init__(self, request: HttpRequest, run) -> None:
        self.request = request
        self.run = run

    def __iter__(self):
        for kind, value in self.run:
            if kind == "text":
                yield json.dumps({"text": value}) + "\n"
            else:
                context = {
                    "result": value,
                    "policy_url": _policy_url(self.request, value.blocked_key),
                }
                html = render_to_string("playground/_result.html", context, request=self.request)
                yield json.dumps({"done": True, "html": html}) + "\n"

    def close(self) -> None:
        self.run.close()


def _chat_refused(request: HttpRequest, form, streaming: bool, blocked: str = "") -> HttpResponse:
    context = _context(request, "chat", form, blocked=blocked)
    if streaming:
        return render(request, "playground/chat.html#play", context, status=FORM_INVALID)
    return render_form(request, "playground/chat.html", context, partial="play")


@org_view(Perm.USE_INFERENCE)
@require_http_methods(["GET", "POST"])
def chat(request: HttpRequest) -> HttpResponse:
    form = _form(request, forms.ChatForm)
    if request.method == "GET":
        return render_form(request, "playground/chat.html", _context(request, "chat", form))
    streaming = request.META.get(STREAM_HEADER) == "ndjson"
    if not form.is_valid():
        return _chat_refused(request, form, streaming)
    data = form.cleaned_data
    try:
        run = services.chat_run(
            Actor.from_request(request),
            model=data["model"],
            shape=data["shape"],
            prompt=data["prompt"],
            max_tokens=data["max_tokens"],
            **_key_choice(request, form),
        )
    except ConsoleError as exc:
        form_fail(form, exc)
        return _chat_refused(request, form, streaming, getattr(exc, "key_hash", ""))
    if streaming:
        response = StreamingHttpResponse(
            _NdjsonRun(request, run), content_type="application/x-ndjson"
        )
        response["Cache-Control"] = "no-store"
        response["X-Accel-Buffering"] = "no"  # a proxy must pass each line on at once
        return response
    try:
        result = next(value for kind, value in run if kind == "done")
    finally:
        run.close()
    return render_form(
        request, "playground/chat.html", _context(request, "chat", form, result), partial="play"
    )


def _simple(request: HttpRequest, tab: str, cls, runner, fields: tuple[str, ...]) -> HttpResponse:
    """GET: the empty form; POST: the run's result (or the errors, 422) in place."""
    form = _form(request, cls)
    result, blocked = None, ""
    if request.method == "POST" and form.is_valid():
        try:
            result = runner(
                Actor.from_request(request),
                model=form.cleaned_data["model"],
                **{name: form.cleaned_data[name] for name in fields},
                **_key_choice(request, form),
            )
        except ConsoleError as exc:
            form_fail(form, exc)
            blocked = getattr(exc, "key_hash", "")
    context = _context(request, tab, form, result, blocked)
    return render_form(request, f"playground/{tab}.html", context, partial="play")


@org_view(Perm.USE_INFERENCE)
@require_http_methods(["GET", "POST"])
def embeddings(request: HttpRequest) -> HttpResponse:
    fields = ("inputs", "dimensions")
    return _simple(request, "embeddings", forms.EmbeddingsForm, services.embeddings_run, fields)


@org_view(Perm.USE_INFERENCE)
@require_http_methods(["GET", "POST"])
def rerank(request: HttpRequest) -> HttpResponse:
    fields = ("query", "documents")
    return _simple(request, "rerank", forms.RerankForm, services.rerank_run, fields)


@org_view(Perm.USE_INFERENCE)
@require_http_methods(["GET", "POST"])
def images(request: HttpRequest) -> HttpResponse:
    fields = ("prompt", "n", "aspect_ratio")
    return _simple(request, "images", forms.ImageForm, services.image_run, fields)


@org_view(Perm.USE_INFERENCE)
@require_http_methods(["GET", "POST"])
def speech(request: HttpRequest) -> HttpResponse:
    fields = ("text", "voice", "speed")
    return _simple(request, "speech", forms.SpeechForm, services.speech_run, fields)


@org_view(Perm.USE_INFERENCE)
@require_GET
def speech_audio(request: HttpRequest, token: str) -> HttpResponse:
    """The spoken answer, for the player: only its own person's, only for a few minutes."""
    held = services.speech_audio(Actor.from_request(request), token)
    if held is None:
        raise Http404("That audio has expired: speak it again.")
    kind, audio = held
    response = HttpResponse(audio, content_type=kind)
    response["Cache-Control"] = "private, no-store"
    if request.GET.get("download"):
        response["Content-Disposition"] = 'attachment; filename="speech.mp3"'
    return response


@org_view(Perm.USE_INFERENCE)
@require_http_methods(["GET", "POST"])
def transcription(request: HttpRequest) -> HttpResponse:
    fields = ("audio", "language")
    return _simple(
        request, "transcription", forms.TranscriptionForm, services.transcription_run, fields
    )


# --- saved exchanges -----------------------------------------------------------------------------


@org_view(Perm.USE_INFERENCE)
@require_POST
def exchange_save(request: HttpRequest) -> HttpResponse:
    """Keep the run just made ("Save this exchange" under its result)."""
    try:
        saved = services.exchange_save(Actor.from_request(request), request.POST.get("token", ""))
    except ConsoleError as exc:
        if not request.htmx:
            return finish(request, reverse("playground:saved"), exc.user_message, level="error")
        context = {"gone": exc.user_message}
        return render(request, "playground/_keep.html", context, status=exc.http_status)
    return saved_in_place(
        request,
        back=reverse("playground:saved_detail", args=[saved.pk]),
        part="playground/_keep.html",
        context=lambda: {"saved": saved},
        message="Exchange saved.",
    )


@org_view(Perm.USE_INFERENCE)
@require_GET
def saved_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    modality = request.GET.get("modality", "")
    if modality not in PlaygroundRun.Modality.values:
        modality = ""
    found = selectors.exchanges_saved(request.organisation, request.user, q=q, modality=modality)
    context = {
        "tab": "saved",
        "tabs": TABS,
        "exchanges": list(found[:SAVED_SHOWN]),
        "total": found.count(),
        "shown": SAVED_SHOWN,
        "q": q,
        "modality": modality,
        "modalities": PlaygroundRun.Modality.choices,
        "filters_active": bool(q or modality),
    }
    return render_page(request, "playground/saved.html", context, partial="results")


def _saved(request: HttpRequest, pk: int) -> SavedExchange:
    return get_for_org(request, SavedExchange.objects.filter(user=request.user), pk=pk)


@org_view(Perm.USE_INFERENCE)
@require_GET
def saved_detail(request: HttpRequest, pk: int) -> HttpResponse:
    context = {"tab": "saved", "tabs": TABS, "exchange": _saved(request, pk)}
    return render_page(request, "playground/saved_detail.html", context)


@org_view(Perm.USE_INFERENCE)
@require_http_methods(["GET", "POST"])
def saved_delete(request: HttpRequest, pk: int) -> HttpResponse:
    exchange = _saved(request, pk)
    return confirm_dialog(
        request,
        Form(posted(request)),
        lambda: services.exchange_delete(Actor.from_request(request), exchange),
        template="playground/saved_delete.html",
        context={"exchange": exchange},
        done=reverse("playground:saved"),
        message="Saved exchange deleted.",
    )

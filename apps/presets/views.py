"""Presets: the list, a preset with every version, create, save a new version, and the
playground (streamed into the page as it arrives)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
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
    finish,
    form_fail,
    render_form,
    render_page,
)
from apps.inference.services import session_key_label
from apps.presets import forms, selectors, services
from apps.presets.models import Preset
from apps.syncs.selectors import stream_status

# The playground's script asks for the answer as it arrives (one JSON object a line).
STREAM_HEADER = "HTTP_X_CONSOLE_STREAM"


@org_view(Perm.VIEW_PRESETS)
@require_GET
def preset_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    context = {
        "presets": selectors.presets_list(request.organisation, q),
        "q": q,
        "filters_active": bool(q),
        "manage": can(request, Perm.MANAGE_PRESETS),
        "sync": stream_status(request.organisation, selectors.STREAM),
        "query": request.GET.urlencode(),
    }
    return render_page(request, "presets/list.html", context, partial="results")


def _preset(request: HttpRequest, slug: str) -> Preset:
    return get_for_org(request, Preset, slug=slug)


def _detail_context(request: HttpRequest, preset: Preset, play_form=None, result=None) -> dict:
    return {
        "preset": preset,
        "designated": preset.designated,
        "versions": selectors.versions_of(preset),
        "manage": can(request, Perm.MANAGE_PRESETS),
        "play": can(request, Perm.USE_INFERENCE),
        "play_form": play_form or forms.PlayForm(),
        "has_session_key": bool(session_key_label(request.session, request.organisation)),
        "result": result,
    }


@org_view(Perm.VIEW_PRESETS)
@require_GET
def preset_detail(request: HttpRequest, slug: str) -> HttpResponse:
    preset = _preset(request, slug)
    return render_page(request, "presets/detail.html", _detail_context(request, preset))


def _version_number(value: str | None, default: int, numbers: list[int]) -> int:
    return int(value) if value and value.isdigit() and int(value) in numbers else default


@org_view(Perm.VIEW_PRESETS)
@require_GET
def preset_compare(request: HttpRequest, slug: str) -> HttpResponse:
    """Any two versions side by side (default: the one before the latest, and the latest)."""
    preset = _preset(request, slug)
    versions = {v.version: v for v in selectors.versions_of(preset)}
    numbers = sorted(versions)
    if not numbers:
        return render_page(request, "presets/compare.html", {"preset": preset, "numbers": []})
    a = _version_number(request.GET.get("a"), numbers[max(0, len(numbers) - 2)], numbers)
    b = _version_number(request.GET.get("b"), numbers[-1], numbers)
    context = {
        "preset": preset,
        "numbers": numbers,
        "a": a,
        "b": b,
        "diff": selectors.versions_diff(versions[a], versions[b]),
        "filters_active": False,
    }
    return render_page(request, "presets/compare.html", context, partial="results")


@org_view(Perm.MANAGE_PRESETS)
@require_http_methods(["GET", "POST"])
def preset_create(request: HttpRequest) -> HttpResponse:
    form = forms.PresetForm(request.POST or None, organisation=request.organisation)
    if request.method == "POST" and form.is_valid():
        slug = form.cleaned_data["slug"]
        if Preset.objects.filter(organisation=request.organisation, slug=slug).exists():
            form.add_error("slug", "A preset with this slug exists: edit it to add a version.")
        else:
            try:
                preset = services.preset_save(
                    Actor.from_request(request),
                    slug=slug,
                    system_prompt=form.cleaned_data["system_prompt"],
                    config=form.config(),
                )
            except ConsoleError as exc:
                form_fail(form, exc)
            else:
                to = reverse("presets:detail", args=[preset.slug])
                return finish(request, to, f"Preset {preset.slug} created.")
    return render_form(request, "presets/form.html", {"form": form}, partial="form")


@org_view(Perm.MANAGE_PRESETS)
@require_http_methods(["GET", "POST"])
def preset_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Save a new version (upstream designates it); the old ones stay in the history."""
    preset = _preset(request, slug)
    current = preset.designated
    form = forms.PresetForm(
        request.POST or None,
        organisation=request.organisation,
        editing=True,
        initial=forms.initial_from(current),
    )
    if request.method == "POST" and form.is_valid():
        try:
            preset = services.preset_save(
                Actor.from_request(request),
                slug=preset.slug,
                system_prompt=form.cleaned_data["system_prompt"],
                config=form.config(current.config if current else None),
                preset=preset,
            )
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            version = preset.designated
            message = f"Saved as version {version.version}." if version else "Saved."
            return finish(request, reverse("presets:detail", args=[preset.slug]), message)
    context = {"form": form, "preset": preset}
    return render_form(request, "presets/form.html", context, partial="form")


def _stats(request: HttpRequest, result) -> str:
    return render_to_string("presets/_result.html", {"result": result}, request=request)


class _NdjsonRun:
    """The run as one JSON object a line; closing it closes the run (see PlayRun)."""

    def __init__(self, request: HttpRequest, run) -> None:
        self.request = request
        self.run = run

    def __iter__(self):
        for kind, value in self.run:
            if kind == "text":
                yield json.dumps({"text": value}) + "\n"
            else:
                yield json.dumps({"done": True, "html": _stats(self.request, value)}) + "\n"

    def close(self) -> None:
        self.run.close()


def _play_refused(request: HttpRequest, preset: Preset, form, streaming: bool) -> HttpResponse:
    """The playground again with the message in place (422): its partial for the script."""
    context = _detail_context(request, preset, form) | {"form": form}
    if streaming:
        return render(request, "presets/detail.html#play", context, status=FORM_INVALID)
    return render_form(request, "presets/detail.html", context, partial="play")


@org_view(Perm.USE_INFERENCE)
@require_POST
def preset_play(request: HttpRequest, slug: str) -> HttpResponse:
    """Run the preset with the person's own key: streamed to the playground's script, or
    (without JavaScript) the page again with the whole answer."""
    preset = _preset(request, slug)
    form = forms.PlayForm(request.POST)
    streaming = request.META.get(STREAM_HEADER) == "ndjson"
    if not form.is_valid():
        return _play_refused(request, preset, form, streaming)
    try:
        events = services.preset_play(
            Actor.from_request(request),
            preset,
            prompt=form.cleaned_data["prompt"],
            session=request.session,
            use_session_key=form.cleaned_data["use_session_key"],
        )
    except ConsoleError as exc:
        form_fail(form, exc)
        return _play_refused(request, preset, form, streaming)
    if streaming:
        response = StreamingHttpResponse(
            _NdjsonRun(request, events), content_type="application/x-ndjson"
        )
        response["Cache-Control"] = "no-store"
        response["X-Accel-Buffering"] = "no"  # a proxy must pass each line on at once
        return response
    try:
        result = next(value for kind, value in events if kind == "done")
    finally:
        events.close()
    context = _detail_context(request, preset, form, result)
    return render_page(request, "presets/detail.html", context, partial="play")

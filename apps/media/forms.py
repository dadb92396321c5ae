"""Forms that check what upstream would refuse, before anything is sent."""

from __future__ import annotations

import base64
import uuid

from django import forms
from django.conf import settings

from apps.media.models import VideoModel
from apps.media.services.videos import SubmitRequest, estimate_cost

_IMAGE_TYPES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}
STATUS_FILTERS = [
    ("", "Any status"),
    ("active", "Running"),
    ("completed", "Completed"),
    ("failed", "Failed"),
    ("expired", "Expired"),
    ("unconfirmed", "Not confirmed"),
]


def _image_type(head: bytes) -> str | None:
    for magic, kind in _IMAGE_TYPES.items():
        if head.startswith(magic):
            return kind
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _words(values) -> str:
    values = [str(v) for v in values]
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


class VideoForm(forms.Form):
    """The submit form, shaped by the chosen model's ``/videos/models`` entry."""

    submit_token = forms.UUIDField(widget=forms.HiddenInput)
    model = forms.ChoiceField(label="Model")
    prompt = forms.CharField(
        label="Prompt",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the video shows.",
    )
    duration = forms.TypedChoiceField(label="Duration (seconds)", coerce=int)
    resolution = forms.ChoiceField(label="Resolution", required=False)
    aspect_ratio = forms.ChoiceField(label="Aspect ratio", required=False)
    generate_audio = forms.BooleanField(label="Generate audio", required=False)
    seed = forms.IntegerField(
        label="Seed",
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text="Optional: the same seed and settings give the same video.",
    )
    first_frame = forms.FileField(label="First frame image", required=False)
    last_frame = forms.FileField(label="Last frame image", required=False)
    reference_image = forms.FileField(label="Reference image", required=False)

    def __init__(self, *args, models: list[VideoModel], chosen: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.models = {m.model_id: m for m in models}
        self.fields["model"].choices = [(m.model_id, m.name) for m in models]
        self.fields["prompt"].max_length = settings.VIDEO_PROMPT_MAX_CHARS
        self.fields["prompt"].widget.attrs["maxlength"] = settings.VIDEO_PROMPT_MAX_CHARS
        picked = self.models.get(chosen) or (models[0] if models else None)
        self.chosen = picked
        if picked is None:
            return
        self.fields["duration"].choices = [(d, f"{d} s") for d in picked.durations]
        self.fields["resolution"].choices = [(r, r) for r in picked.resolutions]
        self.fields["aspect_ratio"].choices = [(a, a) for a in picked.aspect_ratios]
        for name, values in (
            ("duration", picked.durations),
            ("resolution", picked.resolutions),
            ("aspect_ratio", picked.aspect_ratios),
        ):
            self.fields[name].error_messages["invalid_choice"] = (
                f"{picked.name} supports {_words(values)}."
            )

    # What the chosen model offers, for the template (fields it lacks are not shown).
    @property
    def offers(self) -> dict:
        m = self.chosen
        frames = set(m.frame_images) if m else set()
        return {
            "audio": bool(m and m.generate_audio),
            "seed": bool(m and m.seed),
            "first_frame": "first_frame" in frames,
            "last_frame": "last_frame" in frames,
        }

    def estimate(self) -> float | None:
        if self.chosen is None:
            return None
        raw = self.data.get("duration") if self.is_bound else self.initial.get("duration")
        try:
            duration = int(raw)
        except (TypeError, ValueError):
            duration = self.chosen.durations[0] if self.chosen.durations else 0
        if duration not in (self.chosen.durations or []):
            duration = self.chosen.durations[0] if self.chosen.durations else 0
        return estimate_cost(self.chosen, duration)

    def _image(self, name: str) -> str | None:
        upload = self.cleaned_data.get(name)
        if not upload:
            return None
        if upload.size > settings.VIDEO_IMAGE_MAX_BYTES:
            limit = settings.VIDEO_IMAGE_MAX_BYTES / 1048576
            self.add_error(name, f"The image is over the {limit:.0f} MB limit.")
            return None
        content = upload.read()
        kind = _image_type(content[:16])
        if kind is None:
            self.add_error(name, "Use a PNG, JPEG, GIF or WebP image.")
            return None
        return f"data:{kind};base64,{base64.b64encode(content).decode()}"

    def clean(self):
        data = super().clean()
        model = self.models.get(data.get("model") or "")
        if model is None:
            return data
        offers = self.offers
        if data.get("generate_audio") and not offers["audio"]:
            self.add_error(None, f"{model.name} cannot generate audio.")
        if data.get("seed") is not None and not offers["seed"]:
            self.add_error(None, f"{model.name} does not take a seed.")
        for name in ("first_frame", "last_frame"):
            if data.get(name) and not offers[name]:
                self.add_error(
                    None, f"{model.name} does not take a {name.replace('_', ' ')} image."
                )
        frames = []
        for name in ("first_frame", "last_frame"):
            url = self._image(name) if offers[name] else None
            if url:
                frames.append({"type": "image_url", "image_url": {"url": url}, "frame_type": name})
        reference = self._image("reference_image")
        data["frame_images"] = tuple(frames)
        data["input_references"] = (
            ({"type": "image_url", "image_url": {"url": reference}},) if reference else ()
        )
        return data

    def submit_request(self) -> SubmitRequest:
        data = self.cleaned_data
        model = self.models[data["model"]]
        return SubmitRequest(
            model=model,
            prompt=data["prompt"].strip(),
            duration=data["duration"],
            resolution=data.get("resolution") or "",
            aspect_ratio=data.get("aspect_ratio") or "",
            generate_audio=True if data.get("generate_audio") else None,
            seed=data.get("seed"),
            frame_images=data["frame_images"],
            input_references=data["input_references"],
        )


def new_token() -> str:
    return str(uuid.uuid4())


class AttachForm(forms.Form):
    job_id = forms.CharField(label="Job id", max_length=80, help_text="gen-vid-… from OpenRouter")
    use_session_key = forms.BooleanField(
        label="Look it up with my session key",
        required=False,
        help_text="For a job made with a key of yours that you pasted for this session.",
    )


class JobFilterForm(forms.Form):
    status = forms.ChoiceField(choices=STATUS_FILTERS, required=False)
    mine = forms.BooleanField(required=False)


class UploadForm(forms.Form):
    workspace_id = forms.ChoiceField(label="Workspace", required=False)
    file = forms.FileField(label="File")

    def __init__(self, *args, workspaces: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workspace_id"].choices = [("", "Default workspace"), *workspaces]
        self.fields["file"].help_text = (
            f"Up to {settings.FILES_MAX_BYTES / 1048576:.0f} MB: PDF, images, DOCX/XLSX/PPTX, "
            "audio or UTF-8 text."
        )


class FileFilterForm(forms.Form):
    workspace = forms.CharField(required=False)


class GenerationLookupForm(forms.Form):
    generation_id = forms.CharField(label="Generation id", max_length=80, help_text="gen-…")

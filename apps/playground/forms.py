"""Playground forms: a model from the catalog (of the modality's kind) and the input,
checked as upstream checks it before anything is sent."""

from __future__ import annotations

from django import forms

from apps.catalog.forms import ModelChoiceField, PickersMixin
from apps.catalog.selectors import model_voices

SHAPES = [
    ("chat", "Chat Completions (/chat/completions)"),
    ("messages", "Anthropic Messages (/messages)"),
    ("responses", "OpenAI Responses (/responses)"),
]
MAX_INPUTS = 5


class _KeyChoice(forms.Form):
    use_session_key = forms.BooleanField(
        required=False,
        label="Run it with my session key",
        help_text="The key of yours you pasted for this session (Inference key page).",
    )
    # The input fields after the model, one row each; a row of several sits side by side
    # (``playground/_form.html``).
    layout: tuple[tuple[str, ...], ...] = ()

    def rows(self) -> list[list[forms.BoundField]]:
        return [[self[name] for name in row] for row in self.layout]


class ChatForm(PickersMixin, _KeyChoice):
    model = ModelChoiceField(modality="text", required=True, label="Model")
    shape = forms.ChoiceField(choices=SHAPES, initial="chat", label="API shape")
    prompt = forms.CharField(
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Message",
        error_messages={"required": "Type a message to send."},
    )
    max_tokens = forms.IntegerField(
        required=False, min_value=1, max_value=32_000, label="Max tokens", help_text="Optional."
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class EmbeddingsForm(PickersMixin, _KeyChoice):
    layout = (("inputs",), ("dimensions",))
    model = ModelChoiceField(modality="embeddings", required=True, label="Model")
    inputs = forms.CharField(
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Inputs, one a line",
        help_text=f"Up to {MAX_INPUTS}; each pair is compared by cosine similarity.",
        error_messages={"required": "Type at least one input."},
    )
    dimensions = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=4096,
        help_text="Optional: shorter vectors, if the model supports them.",
    )

    def clean_inputs(self) -> list[str]:
        lines = _lines(self.cleaned_data["inputs"])
        if not lines:
            raise forms.ValidationError("Type at least one input.")
        if len(lines) > MAX_INPUTS:
            raise forms.ValidationError(f"At most {MAX_INPUTS} inputs (you typed {len(lines)}).")
        return lines


class RerankForm(PickersMixin, _KeyChoice):
    layout = (("query",), ("documents",))
    model = ModelChoiceField(modality="rerank", required=True, label="Model")
    query = forms.CharField(
        max_length=2_000, label="Query", error_messages={"required": "Type a query."}
    )
    documents = forms.CharField(
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="Documents, one a line",
        help_text="Up to 50.",
        error_messages={"required": "Type at least one document."},
    )

    def clean_documents(self) -> list[str]:
        lines = _lines(self.cleaned_data["documents"])
        if not lines:
            raise forms.ValidationError("Type at least one document.")
        if len(lines) > 50:
            raise forms.ValidationError(f"At most 50 documents (you typed {len(lines)}).")
        return lines


ASPECT_RATIOS = [("", "Model's default")] + [
    (r, r) for r in ("1:1", "2:3", "3:2", "3:4", "4:3", "9:16", "16:9", "21:9")
]


class ImageForm(PickersMixin, _KeyChoice):
    layout = (("prompt",), ("aspect_ratio", "n"))
    model = ModelChoiceField(modality="image", required=True, label="Model")
    prompt = forms.CharField(
        max_length=8_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Prompt",
        error_messages={"required": "Describe the image to generate."},
    )
    aspect_ratio = forms.ChoiceField(choices=ASPECT_RATIOS, required=False, label="Aspect ratio")
    n = forms.IntegerField(min_value=1, max_value=4, initial=1, label="Images", help_text="1 to 4.")


class SpeechForm(PickersMixin, _KeyChoice):
    layout = (("text",), ("voice", "speed"))
    model = ModelChoiceField(modality="speech", required=True, label="Model")
    text = forms.CharField(
        max_length=4_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Text to speak",
        error_messages={"required": "Type the text to speak."},
    )
    # Typed when the catalog lists no voices (not synced yet); else picked (see __init__).
    voice = forms.CharField(
        max_length=50, initial="alloy", label="Voice", help_text="e.g. alloy, coral, nova."
    )
    speed = forms.FloatField(
        required=False,
        min_value=0.25,
        max_value=4.0,
        widget=forms.NumberInput(attrs={"step": "any"}),
        help_text="0.25 to 4; blank: 1.",
    )

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, organisation=organisation, **kwargs)
        self.voices = model_voices(organisation) if organisation is not None else {}
        offered = sorted({v for voices in self.voices.values() for v in voices})
        if offered:
            if len(self.voices) <= 3:
                help_text = "; ".join(
                    f"{m}: {', '.join(v)}" for m, v in sorted(self.voices.items())
                )
            else:
                help_text = "Each model speaks with its own voices; one it lacks is refused."
            self.fields["voice"] = forms.ChoiceField(
                choices=[(v, v) for v in offered],
                initial="alloy" if "alloy" in offered else offered[0],
                label="Voice",
                help_text=help_text,
            )

    def clean(self):
        data = super().clean()
        model, voice = data.get("model"), data.get("voice")
        offered = self.voices.get(model)
        if model and voice and offered and voice not in offered:
            self.add_error("voice", f"{model} speaks with: {', '.join(offered)}.")
        return data


# What a transcription model is sent: the file's extension names its format upstream.
AUDIO_TYPES = {
    "wav": ("audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"),
    "mp3": ("audio/mpeg", "audio/mp3"),
    "m4a": ("audio/mp4", "audio/x-m4a", "audio/m4a"),
    "ogg": ("audio/ogg",),
    "flac": ("audio/flac", "audio/x-flac"),
    "webm": ("audio/webm",),
}
MAX_AUDIO_BYTES = 5 * 1024 * 1024


class TranscriptionForm(PickersMixin, _KeyChoice):
    layout = (("audio",), ("language",))
    model = ModelChoiceField(modality="transcription", required=True, label="Model")
    audio = forms.FileField(
        label="Audio file",
        help_text=f"{', '.join(AUDIO_TYPES)}; at most 5 MB.",
        error_messages={"required": "Choose a short audio file."},
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(f".{e}" for e in AUDIO_TYPES)}),
    )
    language = forms.CharField(
        required=False, max_length=10, help_text="Optional: e.g. en, fr (ISO 639-1)."
    )

    def clean_audio(self):
        upload = self.cleaned_data["audio"]
        if upload.size > MAX_AUDIO_BYTES:
            raise forms.ValidationError(
                f"That file is {upload.size / 1024 / 1024:.1f} MB; the limit is 5 MB."
            )
        if upload.size == 0:
            raise forms.ValidationError("That file is empty.")
        extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        allowed = AUDIO_TYPES.get(extension)
        kind = (upload.content_type or "").split(";")[0].strip().lower()
        if allowed is None or (kind and kind != "application/octet-stream" and kind not in allowed):
            raise forms.ValidationError(
                f"Only audio files are accepted ({', '.join(AUDIO_TYPES)}); "
                f"this one is {kind or 'of an unknown type'}."
            )
        upload.audio_format = extension
        return upload

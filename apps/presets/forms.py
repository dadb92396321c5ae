"""Preset forms: a save (the model from the catalog picker, the system prompt and the
sampling settings, checked as upstream checks them) and the playground's prompt."""

from __future__ import annotations

import re

from django import forms

from apps.catalog.forms import ModelChoiceField, PickersMixin

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# The settings the form edits; every other key of the version's config is kept as it is.
EDITED = ("model", "temperature", "top_p", "max_tokens")


class PresetForm(PickersMixin, forms.Form):
    slug = forms.CharField(
        max_length=100,
        help_text="Lowercase letters and digits joined by single hyphens; it cannot change later.",
    )
    model = ModelChoiceField(modality="text", required=True, label="Model")
    system_prompt = forms.CharField(
        required=False,
        max_length=50_000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="System prompt",
    )
    temperature = forms.FloatField(
        required=False,
        min_value=0,
        max_value=2,
        widget=forms.NumberInput(attrs={"step": "any"}),
        help_text="0 to 2; blank: the model's default.",
    )
    top_p = forms.FloatField(
        required=False,
        min_value=0,
        max_value=1,
        label="Top p",
        widget=forms.NumberInput(attrs={"step": "any"}),
        help_text="0 to 1; blank: the model's default.",
    )
    max_tokens = forms.IntegerField(
        required=False, min_value=1, label="Max tokens", help_text="Blank: no limit of its own."
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:
            del self.fields["slug"]

    def clean_slug(self):
        slug = self.cleaned_data["slug"].strip()
        if not SLUG.match(slug):
            raise forms.ValidationError(
                "Use lowercase letters and digits joined by single hyphens (e.g. support-bot)."
            )
        return slug

    def config(self, current: dict | None = None) -> dict:
        """The version's config: ``current`` with the edited settings replaced (a blank one
        removed, so the model's default applies)."""
        out = {k: v for k, v in (current or {}).items() if k not in EDITED}
        for name in EDITED:
            value = self.cleaned_data.get(name)
            if value not in (None, ""):
                out[name] = value
        return out


def initial_from(version) -> dict:
    if version is None:
        return {}
    return {
        "system_prompt": version.system_prompt,
        **{k: version.config.get(k) for k in EDITED if version.config.get(k) is not None},
    }


class PlayForm(forms.Form):
    prompt = forms.CharField(
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Message",
        error_messages={"required": "Type a message to send through the preset."},
    )
    use_session_key = forms.BooleanField(
        required=False,
        label="Run it with my session key",
        help_text="The key of yours you pasted for this session (Inference key page).",
    )

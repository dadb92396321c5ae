from __future__ import annotations

from decimal import Decimal

from django import forms

MAX_DAILY_LIMIT = Decimal("1000")


class SessionKeyForm(forms.Form):
    # render_value=False: a refused key is never echoed back into the page.
    secret = forms.CharField(
        label="An API key of yours",
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Used for this session only: held encrypted in your session, never stored "
        "or shown. Checked with OpenRouter first.",
    )


class InferenceSettingsForm(forms.Form):
    daily_limit = forms.DecimalField(
        label="Daily limit per console key (USD)",
        min_value=Decimal("0.01"),
        max_value=MAX_DAILY_LIMIT,
        decimal_places=2,
        help_text="Each person's console key may spend this much per UTC day.",
    )
    workspace_id = forms.ChoiceField(label="Workspace for new console keys", required=False)
    callback_secret = forms.CharField(
        label="Video callback signing secret",
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Optional: the workspace's webhook secret, to accept signed job callbacks. "
        "Leave empty to keep the current one.",
    )

    def __init__(self, *args, workspaces: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workspace_id"].choices = [("", "Default workspace"), *workspaces]

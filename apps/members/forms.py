from __future__ import annotations

from django import forms


class ConnectForm(forms.Form):
    """Start "Connect with OpenRouter": link only, or link and keep the key it makes."""

    purpose = forms.ChoiceField(
        label="What should the console do with the key OpenRouter makes?",
        choices=[
            ("link", "Only link my account (the key is revoked at once)"),
            ("key", "Link my account and show me the key once"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether you want the key or only the link."},
    )

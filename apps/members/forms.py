from __future__ import annotations

from django import forms

from apps.keys.forms import LimitField
from apps.keys.models import LimitReset


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


class CodeIssueForm(forms.Form):
    """An authorisation code for one member to claim as a key (``POST /auth/keys/code``)."""

    for_user = forms.TypedChoiceField(label="Member who may claim it", coerce=int, empty_value=None)
    key_label = forms.CharField(label="Key name", max_length=200, strip=True)
    workspace_id = forms.ChoiceField(label="Workspace", required=False)
    limit = LimitField()
    limit_reset = forms.ChoiceField(
        label="Limit resets", choices=LimitReset.choices, required=False
    )

    def __init__(self, *args, people: list[tuple[int, str]], workspaces: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["for_user"].choices = [("", "Choose a member"), *people]
        self.fields["workspace_id"].choices = list(workspaces) or [("", "Default workspace")]
        self.fields["for_user"].error_messages["required"] = "Choose who may claim the key."
        self.fields["key_label"].error_messages["required"] = "Give the key a name."

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("limit_reset") and cleaned.get("limit") is None:
            self.add_error("limit_reset", "A reset period needs a limit.")
        return cleaned

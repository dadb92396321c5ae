from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django import forms
from django.utils import timezone

from apps.keys.models import KeyRotation, LimitReset
from apps.keys.selectors import SORTS, STATES, KeyFilters
from apps.keys.services.keys import BULK_ACTIONS

MAX_LIMIT = Decimal("1000000")
_EXPIRY = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(?:Z|\+00:00)?$"
)


class ExpiryField(forms.CharField):
    """A UTC date and time, kept to the second (upstream wants seconds precision)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "Expires at (UTC)")
        kwargs.setdefault(
            "widget", forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"})
        )
        kwargs.setdefault(
            "help_text", "Optional. A date and time in UTC, e.g. 2027-01-31 18:00:00."
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        match = _EXPIRY.match(value)
        if not match:
            raise forms.ValidationError(
                "Enter a date and time to the second, like 2027-01-31 18:00:00 (UTC)."
            )
        day, hour, minute, second = match.groups()
        try:
            parsed = datetime.fromisoformat(f"{day}T{hour}:{minute}:{second or '00'}")
        except ValueError:
            raise forms.ValidationError("That date does not exist.") from None
        return parsed.replace(tzinfo=UTC)

    def validate(self, value):
        super().validate(value)
        if value is not None and value <= timezone.now() + timedelta(minutes=1):
            raise forms.ValidationError("The expiry must be in the future.")


class LimitField(forms.DecimalField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "Limit (USD)")
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("max_value", MAX_LIMIT)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("help_text", "Optional. Leave empty for no limit.")
        kwargs.setdefault(
            "error_messages",
            {
                "invalid": "Enter the limit as a number of US dollars, like 25 or 12.50.",
                "min_value": "The limit cannot be negative.",
            },
        )
        super().__init__(**kwargs)

    def clean(self, value):
        cleaned = super().clean(value)
        return float(cleaned) if cleaned is not None else None


class KeyFieldsForm(forms.Form):
    name = forms.CharField(max_length=200, strip=True)
    workspace_id = forms.ChoiceField(label="Workspace", required=False)
    limit = LimitField()
    limit_reset = forms.ChoiceField(
        label="Limit resets", choices=LimitReset.choices, required=False
    )
    expires_at = ExpiryField()

    def __init__(self, *args, workspaces: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(workspaces or [])
        self.fields["workspace_id"].choices = choices or [("", "Default workspace")]
        self.workspace_names = dict(choices)

    def clean_name(self):
        name = self.cleaned_data["name"]
        if not name:
            raise forms.ValidationError("Give the key a name.")
        return name

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("limit_reset") and cleaned.get("limit") is None:
            self.add_error("limit_reset", "A reset period needs a limit.")
        return cleaned


class KeyCreateForm(KeyFieldsForm):
    include_byok_in_limit = forms.BooleanField(
        required=False, label="Count bring-your-own-key usage against the limit"
    )


class KeyRequestForm(KeyFieldsForm):
    purpose = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), help_text="What is it for?"
    )
    field_order = ["name", "purpose", "workspace_id", "limit", "limit_reset", "expires_at"]


class KeyEditForm(forms.Form):
    """The settings ``PATCH /keys/{hash}`` accepts besides the name and the on/off switch."""

    limit = LimitField()
    limit_reset = forms.ChoiceField(
        label="Limit resets", choices=LimitReset.choices, required=False
    )
    include_byok_in_limit = forms.BooleanField(
        required=False, label="Count bring-your-own-key usage against the limit"
    )
    workspace_id = forms.ChoiceField(label="Workspace", required=False)

    def __init__(self, *args, workspaces: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workspace_id"].choices = list(workspaces or []) or [("", "Default workspace")]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("limit_reset") and cleaned.get("limit") is None:
            self.add_error("limit_reset", "A reset period needs a limit.")
        return cleaned

    def changes(self, key) -> dict:
        """Only what differs from the key as mirrored (an unchanged PATCH is not sent)."""
        data = self.cleaned_data
        wanted = {
            "limit": data["limit"],
            "limit_reset": data["limit_reset"] or "",
            "include_byok_in_limit": data["include_byok_in_limit"],
            "workspace_id": data["workspace_id"] or key.workspace_id,
        }
        current = {
            "limit": key.limit,
            "limit_reset": key.limit_reset or "",
            "include_byok_in_limit": key.include_byok_in_limit,
            "workspace_id": key.workspace_id,
        }
        changed = {k: v for k, v in wanted.items() if v != current[k]}
        if "limit" in changed or "limit_reset" in changed:
            # Upstream reads the pair together: send both when either moves.
            changed.update(limit=wanted["limit"], limit_reset=wanted["limit_reset"])
        return changed


class LimitIncreaseForm(forms.Form):
    limit = LimitField(required=True, label="New limit (USD)", help_text="")
    limit_reset = forms.ChoiceField(
        label="Limit resets", choices=LimitReset.choices, required=False
    )
    purpose = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), label="Why?"
    )


class ApproveForm(forms.Form):
    name = forms.CharField(max_length=200, strip=True, required=False, label="Key name")
    limit = LimitField()
    limit_reset = forms.ChoiceField(
        label="Limit resets", choices=LimitReset.choices, required=False
    )
    expires_at = ExpiryField()

    def overrides(self) -> dict:
        """The decided values; an empty name keeps the requested one."""
        data = dict(self.cleaned_data)
        if not data.get("name"):
            data.pop("name", None)
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(max_length=500, strip=True, label="Reason (sent to the requester)")


class RenameForm(forms.Form):
    name = forms.CharField(max_length=200, strip=True)


class DeleteForm(forms.Form):
    confirm_name = forms.CharField(max_length=200, label="Type the key's name to confirm")

    def __init__(self, *args, key_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.key_name = key_name
        # What to type, shown in the box: the name is on the page anyway.
        self.fields["confirm_name"].widget.attrs.update(placeholder=key_name, autocomplete="off")

    def clean_confirm_name(self):
        value = self.cleaned_data["confirm_name"]
        if value.strip() != self.key_name:
            raise forms.ValidationError("That is not the key's name.")
        return value


class RotateForm(forms.Form):
    transition_hours = forms.IntegerField(
        min_value=0,
        max_value=24 * 90,
        initial=24,
        label="Transition window (hours)",
        help_text="Both keys work during the window; then the old one is switched off.",
    )
    then = forms.ChoiceField(choices=KeyRotation.Then.choices, initial=KeyRotation.Then.DISABLE)
    expires_at = ExpiryField(
        label="New expiry (UTC)", help_text="Optional. Empty keeps the old key's expiry."
    )


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=list(BULK_ACTIONS.items()))
    hashes = forms.MultipleChoiceField(
        error_messages={"required": "Select at least one key."},
        widget=forms.MultipleHiddenInput,
    )
    limit = LimitField()
    limit_reset = forms.ChoiceField(choices=LimitReset.choices, required=False)

    def __init__(self, *args, hashes: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hashes"].choices = [(h, h) for h in hashes]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "set_limit" and cleaned.get("limit") is None:
            self.add_error("limit", "Give the limit to set.")
        return cleaned


class PolicyForm(forms.Form):
    auto_approve_limit = forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_value=MAX_LIMIT,
        decimal_places=2,
        label="Auto-approve requests at or under (USD)",
        help_text="Empty: every request waits for an admin. Requests without a limit always wait.",
    )


class KeyFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)
    workspace = forms.CharField(required=False, max_length=64)
    state = forms.ChoiceField(required=False, choices=[("", "Any")] + [(s, s) for s in STATES])
    creator = forms.CharField(required=False, max_length=254)
    sort = forms.ChoiceField(required=False, choices=[(s, s) for s in SORTS])
    dir = forms.ChoiceField(required=False, choices=[("", ""), ("asc", "asc"), ("desc", "desc")])

    def filters(self) -> KeyFilters:
        if not self.is_valid():
            return KeyFilters()
        data = self.cleaned_data
        direction = data.get("dir")
        return KeyFilters(
            q=data.get("q", "").strip(),
            workspace=data.get("workspace", ""),
            state=data.get("state", ""),
            creator=data.get("creator", ""),
            sort=data.get("sort") or "name",
            descending=None if not direction else direction == "desc",
        )

"""Workspace forms: validation mirroring ``/workspaces``'s (names, slugs, ranges, the budget
ordering rule with upstream's own message)."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms

from apps.catalog.forms import ModelChoiceField, PickersMixin
from apps.core.forms import TypedConfirmForm
from apps.gateway.workspaces import PROVIDER_SORTS, SERVER_TOOLS
from apps.workspaces.models import Workspace
from apps.workspaces.services import INTERVALS, budget_order_error

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SORTS = [("name", "Name"), ("-created", "Newest first"), ("-keys", "Most keys")]
SWITCHES = (
    "is_data_discount_logging_enabled",
    "is_observability_broadcast_enabled",
    "is_observability_io_logging_enabled",
)
# Cleared upstream with null (PATCH): a field emptied in the form is sent as None.
NULLABLE = ("description", "default_text_model", "default_image_model", "default_provider_sort")


class WorkspaceFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    sort = forms.ChoiceField(required=False, choices=SORTS)

    def filters(self) -> tuple[str, str]:
        if not self.is_valid():
            return "", "name"
        return self.cleaned_data["q"].strip(), self.cleaned_data["sort"] or "name"


class WorkspaceForm(PickersMixin, forms.Form):
    name = forms.CharField(max_length=100)
    slug = forms.CharField(
        max_length=100, help_text="Lowercase letters and digits, joined by single hyphens."
    )
    description = forms.CharField(
        required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    default_text_model = ModelChoiceField(modality="text", required=False)
    default_image_model = ModelChoiceField(modality="image", required=False)
    default_provider_sort = forms.ChoiceField(
        required=False,
        choices=[("", "OpenRouter's default (balanced)")]
        + [(s, s.title()) for s in PROVIDER_SORTS],
    )
    io_logging_sampling_rate = forms.FloatField(
        label="I/O logging sampling rate",
        min_value=0.0001,
        max_value=1,
        initial=1,
        help_text="Share of requests whose input and output are logged, 0.0001 to 1.",
    )
    is_data_discount_logging_enabled = forms.BooleanField(
        required=False, label="Data discount logging"
    )
    is_observability_broadcast_enabled = forms.BooleanField(
        required=False, label="Broadcast to observability destinations"
    )
    is_observability_io_logging_enabled = forms.BooleanField(
        required=False, label="I/O logging to observability destinations"
    )
    disabled_server_tools = forms.MultipleChoiceField(
        required=False,
        choices=[(t, t.removeprefix("openrouter:").replace("_", " ")) for t in SERVER_TOOLS],
        widget=forms.CheckboxSelectMultiple,
        label="Server tools switched off",
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("name must be between 1 and 100 characters")
        return name

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].strip()
        if not SLUG.match(slug):
            raise forms.ValidationError(
                "slug must be lowercase letters and digits in segments joined by single hyphens"
            )
        return slug

    @staticmethod
    def initial_for(ws: Workspace) -> dict:
        return {
            "name": ws.name,
            "slug": ws.slug,
            "description": ws.description,
            "default_text_model": ws.default_text_model,
            "default_image_model": ws.default_image_model,
            "default_provider_sort": ws.default_provider_sort,
            "io_logging_sampling_rate": ws.io_logging_sampling_rate,
            "disabled_server_tools": ws.disabled_server_tools or [],
            **{name: getattr(ws, name) for name in SWITCHES},
        }

    def changes(self, ws: Workspace) -> dict:
        """The fields that differ from the mirror, as PATCH wants them."""
        current = self.initial_for(ws)
        out = {}
        for name, value in self.cleaned_data.items():
            if value == current[name] or (not value and not current[name]):
                continue
            if name in NULLABLE and value == "":
                value = None
            if name == "disabled_server_tools":
                value = list(value) or None
            out[name] = value
        return out


class BudgetsForm(forms.Form):
    """One limit per interval (empty: no budget for that interval)."""

    lifetime = forms.DecimalField(required=False, min_value=Decimal("0.01"), decimal_places=2)
    monthly = forms.DecimalField(required=False, min_value=Decimal("0.01"), decimal_places=2)
    weekly = forms.DecimalField(required=False, min_value=Decimal("0.01"), decimal_places=2)
    daily = forms.DecimalField(required=False, min_value=Decimal("0.01"), decimal_places=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.blocking: list = []  # selectors.BudgetBlock, when a limit is already spent
        for name in INTERVALS:
            self.fields[name].label = f"{name.title()} limit (USD)"
            self.fields[name].widget.attrs.update({"step": "0.01", "inputmode": "decimal"})

    accept_blocking = forms.BooleanField(
        required=False, label="Save anyway: I know this workspace's keys will be refused"
    )

    def clean(self):
        data = super().clean()
        if not self.errors:
            broken = budget_order_error({i: data.get(i) for i in INTERVALS})
            if broken:
                self.add_error(broken[0], broken[1])
        return data

    def wanted(self) -> dict[str, Decimal | None]:
        return {i: self.cleaned_data.get(i) for i in INTERVALS}


class MembersForm(forms.Form):
    """Organisation members (upstream user ids) to add to, or remove from, a workspace."""

    user_ids = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        label="Members",
        error_messages={"required": "Pick at least one member."},
    )

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user_ids"].choices = choices


class DeleteForm(TypedConfirmForm):
    label = "Type the workspace's name to confirm"
    refused = "Type {expected} exactly to delete this workspace."

"""Destination forms: validation mirroring ``/observability/destinations``', one form shape
per destination type (from the SDK's config models), and write-only secrets.

Secret config fields and custom headers render empty every time (not even after a refused
submit). On edit, a secret left blank keeps the one upstream holds.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

from django import forms

from apps.byok.forms import KeyMultipleChoiceField
from apps.catalog.forms import PickersMixin
from apps.core.forms import TypedConfirmForm
from apps.gateway.observability import FILTER_FIELDS, FILTER_OPERATORS, filter_rules_shape
from apps.observability import types

MAX_PER_TYPE = 5  # upstream's limit of destinations of one type per workspace
MAX_ALLOWLIST = 100
REGION_CHOICES = [("global", "Global"), ("europe", "Europe"), ("us", "United States")]
HEADER_LINE = re.compile(r"^([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*:\s*(.*)$")
BROADCAST = (
    ("broadcast_generation_cost", "Include cost and billing metadata"),
    (
        "broadcast_generation_cost_allocation",
        "Include the cost allocation per token kind (beta)",
    ),
    ("broadcast_generation_identity", "Include identity metadata (user, key)"),
    ("broadcast_generation_request_context", "Include request context metadata"),
)


def config_key(name: str) -> str:
    return f"config_{name}"


def _secret_input() -> forms.PasswordInput:
    return forms.PasswordInput(
        render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}
    )


class SecretTextarea(forms.Textarea):
    """A textarea that never renders what it holds (custom headers carry tokens)."""

    def format_value(self, value):
        return None


def _check_url(value: str) -> None:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise forms.ValidationError("Enter an http:// or https:// URL.")


def parse_headers(text: str) -> dict[str, str]:
    """``Name: value`` lines into a header map (a malformed line is refused)."""
    out: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = HEADER_LINE.match(line.strip())
        if match is None or not match.group(2).strip():
            raise forms.ValidationError(
                f"Line {number}: write each header as “Name: value” (the value is not shown)."
            )
        out[match.group(1)] = match.group(2).strip()
    return out


def parse_filter_rules(text: str) -> dict | None:
    """The filter rules as JSON, checked as upstream checks them (fields, operators, values)."""
    text = text.strip()
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        raise forms.ValidationError("Filter rules must be valid JSON.") from None
    if not isinstance(value, dict):
        raise forms.ValidationError('Filter rules are an object: {"groups": [...]}')
    try:
        rules = filter_rules_shape(value)
    except ValueError as exc:
        raise forms.ValidationError(f"Filter rules, {exc}") from None
    for number, group in enumerate(rules["groups"], start=1):
        if group.get("logic", "and") not in ("and", "or"):
            raise forms.ValidationError(f"Group {number}: logic is “and” or “or”.")
        if not group["rules"]:
            raise forms.ValidationError(f"Group {number} needs at least one rule.")
        for rule in group["rules"]:
            _check_rule(number, rule)
    return rules


def _check_rule(group: int, rule: dict) -> None:
    where = f"Group {group}"
    field, operator, value = rule["field"], rule["operator"], rule.get("value")
    if field not in FILTER_FIELDS:
        raise forms.ValidationError(
            f"{where}: “{field}” is not a field rules can test ({', '.join(FILTER_FIELDS)})."
        )
    if operator not in FILTER_OPERATORS:
        raise forms.ValidationError(
            f"{where}: “{operator}” is not an operator ({', '.join(FILTER_OPERATORS)})."
        )
    if operator in ("exists", "not_exists"):
        return
    if value is None:
        raise forms.ValidationError(f"{where}: the operator {operator} needs a value.")
    if operator in ("gt", "lt", "gte", "lte") and not isinstance(value, int | float):
        raise forms.ValidationError(f"{where}: {operator} compares with a number.")
    if operator == "regex":
        try:
            re.compile(str(value))
        except re.error as exc:
            raise forms.ValidationError(f"{where}: the regex is not valid ({exc}).") from None


class DestinationForm(PickersMixin, forms.Form):
    """Create (``destination`` None) or edit one destination of type ``kind``."""

    name = forms.CharField(max_length=200, strip=True)
    enabled = forms.BooleanField(required=False, initial=True, label="Enabled")
    sampling_rate = forms.FloatField(
        min_value=0.0001,
        max_value=1,
        initial=1,
        label="Sampling rate",
        help_text="Between 0.0001 and 1 (1 sends every request).",
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    privacy_mode = forms.BooleanField(
        required=False, label="Privacy mode: send metadata only, never prompts or answers"
    )
    regions = forms.MultipleChoiceField(
        choices=REGION_CHOICES,
        initial=["global"],
        widget=forms.CheckboxSelectMultiple,
        label="Data regions",
        error_messages={"required": "Pick at least one data region."},
    )
    api_key_hashes = KeyMultipleChoiceField(
        required=False,
        max_picks=MAX_ALLOWLIST,
        label="Only the traffic of these API keys",
        help_text="None picked: every key's traffic is sent.",
    )
    # app.js turns this box into the rules builder (groups of field, operator, value) and
    # keeps the JSON in it; without JavaScript the JSON is typed here.
    filter_rules = forms.CharField(
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "spellcheck": "false",
                "data-rules-builder": "",
                "data-fields": json.dumps(FILTER_FIELDS),
                "data-operators": json.dumps(FILTER_OPERATORS),
            }
        ),
        label="Filter rules",
        help_text="Optional: only the events that match are sent. Each group is a set of rules "
        '(field, operator, value). As JSON: {"groups": [{"logic": "and", "rules": [{"field": '
        '"total_cost", "operator": "gt", "value": 0.01}]}]}',
    )
    headers = forms.CharField(
        required=False,
        strip=False,
        widget=SecretTextarea(
            attrs={
                "rows": 2,
                "autocomplete": "off",
                "spellcheck": "false",
                "data-write-only": "",
            }
        ),
        label="Custom headers (write-only)",
        help_text="One “Name: value” per line. Never shown again.",
    )

    def __init__(self, *args, kind: str, destination=None, workspaces=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.destination = destination
        for flag, label in BROADCAST:
            self.fields[flag] = forms.BooleanField(required=False, label=label)
        if destination is None:
            self.fields["workspace_id"] = forms.ChoiceField(
                choices=list(workspaces), label="Workspace"
            )
        else:
            self.fields["headers"].help_text = (
                f"Set now: {', '.join(destination.header_names)}. Blank keeps them; "
                "anything typed replaces them."
                if destination.header_names
                else "One “Name: value” per line. Never shown again."
            )
        self.config_fields = types.config_fields(kind)
        for spec in self.config_fields:
            self.fields[config_key(spec.name)] = self._config_field(spec)

    def _config_field(self, spec: types.ConfigField) -> forms.Field:
        editing = self.destination is not None
        if spec.boolean:
            return forms.BooleanField(required=False, label=spec.label, initial=spec.default)
        if spec.choices:
            default = f"default: {spec.default}" if spec.default else "not set"
            return forms.ChoiceField(
                required=spec.required,
                label=spec.label,
                choices=[("", f"({default})"), *((c, c) for c in spec.choices)],
            )
        if spec.secret:
            is_set = editing and spec.name in self.destination.secret_fields
            return forms.CharField(
                required=spec.required and not editing,
                strip=True,
                max_length=4000,
                label=f"{spec.label} (write-only)",
                widget=_secret_input(),
                help_text="Set: leave blank to keep it." if is_set else "Never shown again.",
            )
        help_text = f"Default: {spec.default}" if spec.default else ""
        return forms.CharField(
            required=spec.required,
            strip=True,
            max_length=2000,
            label=spec.label,
            help_text=help_text,
        )

    def clean_filter_rules(self):
        return parse_filter_rules(self.cleaned_data["filter_rules"])

    def clean_headers(self):
        return parse_headers(self.cleaned_data["headers"] or "")

    def clean(self):
        data = super().clean()
        for spec in self.config_fields:
            key = config_key(spec.name)
            value = data.get(key)
            if spec.url and value:
                try:
                    _check_url(value)
                except forms.ValidationError as exc:
                    self.add_error(key, exc)
        if self.kind == "s3":
            mode = data.get(config_key("authMode")) or "access_keys"
            role = data.get(config_key("roleArn")) or (
                self.destination.config.get("roleArn") if self.destination else ""
            )
            if mode == "iam_role" and not role:
                self.add_error(config_key("roleArn"), "An IAM role needs its role ARN.")
        return data

    # --- what goes upstream -----------------------------------------------------------

    def config(self) -> dict:
        """The config to send: typed fields; blank secrets omitted (kept on edit)."""
        data = self.cleaned_data
        out: dict = {}
        for spec in self.config_fields:
            value = data.get(config_key(spec.name))
            if spec.boolean:
                out[spec.name] = bool(value)
            elif value not in (None, ""):
                out[spec.name] = value
        if data.get("headers"):
            out["headers"] = data["headers"]
        return out

    def secrets(self) -> list[str]:
        """Every secret typed (to scrub from anything upstream says back)."""
        data = self.cleaned_data
        values = [data.get(config_key(s.name)) for s in self.config_fields if s.secret]
        values += list((data.get("headers") or {}).values())
        return [v for v in values if v]

    def body(self) -> dict:
        data = self.cleaned_data
        body = {
            "name": data["name"],
            "enabled": data["enabled"],
            "sampling_rate": data["sampling_rate"],
            "privacy_mode": data["privacy_mode"],
            "regions": data["regions"],
            "api_key_hashes": data["api_key_hashes"] or None,
            "filter_rules": data["filter_rules"],
            **{flag: data[flag] for flag, _ in BROADCAST},
            "config": self.config(),
        }
        if self.destination is None:
            body["workspace_id"] = data["workspace_id"]
        return body


def edit_initial(destination) -> dict:
    initial = {
        "name": destination.name,
        "enabled": destination.enabled,
        "sampling_rate": destination.sampling_rate,
        "privacy_mode": destination.privacy_mode,
        "regions": destination.regions or ["global"],
        "api_key_hashes": destination.api_key_hashes or [],
        "filter_rules": json.dumps(destination.filter_rules, indent=1)
        if destination.filter_rules
        else "",
        **{flag: getattr(destination, flag) for flag, _ in BROADCAST},
    }
    for key, value in destination.config.items():
        initial[config_key(key)] = value
    return initial


class DeleteForm(TypedConfirmForm):
    label = "Type the destination's type to confirm"
    refused = "Type “{expected}” to delete this destination."

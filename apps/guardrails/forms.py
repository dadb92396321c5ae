"""Guardrail forms: validation mirroring ``/guardrails``'s, custom patterns checked the way
upstream checks them (a linear-time engine: no lookaround, backreference or nested
quantifier), before anything is sent."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms

from apps.catalog.forms import ModelMultipleChoiceField, PickersMixin, ProviderMultipleChoiceField
from apps.core.forms import TypedConfirmForm
from apps.gateway.guardrails import BUILTIN_FILTERS, DATA_REGIONS, FILTER_ACTIONS, RESET_INTERVALS
from apps.guardrails.models import Guardrail
from apps.guardrails.services import FLAGS, LISTS

_LOOKAROUND = re.compile(r"\(\?<?[=!]")
_BACKREF = re.compile(r"\\[1-9]|\\k<")
_NESTED_QUANTIFIER = re.compile(r"[+*}]\)[+*{]")
PROMPT_INJECTION = "regex-prompt-injection"
SCAN_SCOPES = [("all_messages", "All messages"), ("user_only", "User messages only")]
ZDR_GROUPS = ("anthropic", "google", "openai", "xai", "other")
ACTION_CHOICES = [("", "Off")] + [(a, a.title()) for a in FILTER_ACTIONS]


def pattern_problem(pattern: str) -> str | None:
    """Why upstream would refuse ``pattern`` (its own words), or None."""
    if len(pattern) > 100_000:
        return "pattern is longer than 100000 characters"
    if _LOOKAROUND.search(pattern):
        return "lookaround assertions are not supported"
    if _BACKREF.search(pattern):
        return "backreferences are not supported"
    if _NESTED_QUANTIFIER.search(pattern):
        return "nested quantifiers are not supported"
    try:
        re.compile(re.sub(r"\(\?<(?![=!])", "(?P<", pattern))  # JavaScript's named groups
    except re.error as exc:
        return f"pattern does not compile: {exc}"
    return None


def _builtin_field(slug: str) -> str:
    return "builtin_" + slug.replace("-", "_")


class GuardrailForm(PickersMixin, forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    workspace_id = forms.ChoiceField(label="Workspace")
    limit_usd = forms.DecimalField(
        label="Budget (USD)",
        required=False,
        min_value=Decimal("0.01"),
        decimal_places=2,
        help_text="Per key and per member it applies to, counted separately.",
    )
    reset_interval = forms.ChoiceField(
        label="Budget resets",
        required=False,
        choices=[("", "No budget")] + [(i, i.title()) for i in RESET_INTERVALS],
    )
    include_byok_in_budgets = forms.BooleanField(required=False, label="Count BYOK spend")
    allowed_models = ModelMultipleChoiceField(required=False, label="Allowed models")
    ignored_models = ModelMultipleChoiceField(required=False, label="Ignored models")
    allowed_providers = ProviderMultipleChoiceField(required=False, label="Allowed providers")
    ignored_providers = ProviderMultipleChoiceField(required=False, label="Ignored providers")
    allowed_data_regions = forms.MultipleChoiceField(
        required=False,
        label="Data regions",
        choices=[(r, r.title()) for r in DATA_REGIONS],
        widget=forms.CheckboxSelectMultiple,
    )
    enforce_zdr_anthropic = forms.BooleanField(required=False, label="Anthropic models")
    enforce_zdr_google = forms.BooleanField(required=False, label="Google models")
    enforce_zdr_openai = forms.BooleanField(required=False, label="OpenAI models")
    enforce_zdr_xai = forms.BooleanField(required=False, label="xAI models")
    enforce_zdr_other = forms.BooleanField(required=False, label="Every other model")
    allow_safety_retention_google = forms.BooleanField(
        required=False, label="Allow Google's safety retention"
    )
    allow_safety_retention_other = forms.BooleanField(
        required=False, label="Allow other providers' safety retention"
    )
    enable_free_model_training = forms.BooleanField(
        required=False, label="Allow free models that train on prompts"
    )
    enable_paid_model_training = forms.BooleanField(
        required=False, label="Allow paid models that train on prompts"
    )
    enable_free_model_publication = forms.BooleanField(
        required=False, label="Allow free models that publish prompts"
    )
    prompt_injection_scope = forms.ChoiceField(
        required=False, choices=SCAN_SCOPES, label="Prompt injection: scan"
    )
    content_filters = forms.CharField(
        required=False,
        label="Custom patterns",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text="One a line: action: pattern (action is redact, block or flag), e.g. "
        "block: sk-[A-Za-z0-9]{20,}",
    )

    accept_blocking = forms.BooleanField(
        required=False, label="Save anyway: I know these keys will be refused these models"
    )

    def __init__(self, *args, workspaces: list[tuple[str, str]], editing: bool = False, **kw):
        super().__init__(*args, **kw)
        self.blocking: dict[str, list[str]] = {}
        for slug in BUILTIN_FILTERS:
            self.fields[_builtin_field(slug)] = forms.ChoiceField(
                required=False, choices=ACTION_CHOICES, label=slug.replace("-", " ")
            )
        self.fields["workspace_id"].choices = workspaces
        if editing:  # upstream: "workspace_id cannot be changed"
            del self.fields["workspace_id"]

    def builtin_fields(self):
        return [self[_builtin_field(slug)] for slug in BUILTIN_FILTERS]

    def zdr_fields(self):
        return [self[f"enforce_zdr_{g}"] for g in ZDR_GROUPS]

    def training_fields(self):
        return [
            self[n]
            for n in (
                "allow_safety_retention_google",
                "allow_safety_retention_other",
                "enable_free_model_training",
                "enable_paid_model_training",
                "enable_free_model_publication",
            )
        ]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("name must be between 1 and 200 characters")
        return name

    def clean_content_filters(self) -> list[dict] | None:
        entries = []
        for n, line in enumerate(self.cleaned_data["content_filters"].splitlines(), 1):
            if not line.strip():
                continue
            action, sep, pattern = line.partition(":")
            action, pattern = action.strip().lower(), pattern.strip()
            if not sep or action not in FILTER_ACTIONS or not pattern:
                raise forms.ValidationError(
                    f"Line {n}: write it as action: pattern, with action one of "
                    f"{', '.join(FILTER_ACTIONS)}."
                )
            problem = pattern_problem(pattern)
            if problem:
                raise forms.ValidationError(f"Line {n}: invalid_regex_pattern: {problem}")
            entries.append({"action": action, "pattern": pattern})
        return entries or None

    def clean(self):
        data = super().clean()
        if (data.get("limit_usd") is None) != (not data.get("reset_interval")):
            self.add_error(
                "limit_usd" if data.get("limit_usd") is None else "reset_interval",
                "limit_usd and reset_interval must be provided together",
            )
        return data

    def body(self) -> dict:
        """The cleaned values as upstream's fields (None: no restriction / not set)."""
        data = self.cleaned_data
        body = {
            "name": data["name"],
            "description": data["description"] or None,
            "limit_usd": float(data["limit_usd"]) if data.get("limit_usd") is not None else None,
            "reset_interval": data["reset_interval"] or None,
            "include_byok_in_budgets": data["include_byok_in_budgets"],
            **{name: list(data[name]) or None for name in LISTS},
            **{name: data[name] for name in FLAGS if name in data},
            "content_filters": data["content_filters"],
        }
        builtins = []
        for slug in BUILTIN_FILTERS:
            action = data.get(_builtin_field(slug))
            if action:
                entry = {"slug": slug, "action": action}
                if slug == PROMPT_INJECTION:
                    entry["scan_scope"] = data.get("prompt_injection_scope") or "all_messages"
                builtins.append(entry)
        body["content_filter_builtins"] = builtins or None
        if "workspace_id" in data:
            body["workspace_id"] = data["workspace_id"]
        return body

    @staticmethod
    def initial_for(g: Guardrail) -> dict:
        builtins = {b["slug"]: b for b in g.content_filter_builtins or []}
        injection = builtins.get(PROMPT_INJECTION, {})
        return {
            "name": g.name,
            "description": g.description,
            "limit_usd": g.limit_usd,
            "reset_interval": g.reset_interval,
            "include_byok_in_budgets": g.include_byok_in_budgets,
            **{name: getattr(g, name) or [] for name in LISTS},
            **{name: bool(getattr(g, name)) for name in FLAGS},
            "content_filters": "\n".join(
                f"{e['action']}: {e['pattern']}" for e in g.content_filters or []
            ),
            "prompt_injection_scope": injection.get("scan_scope", "all_messages"),
            **{_builtin_field(s): b.get("action", "") for s, b in builtins.items()},
        }

    def changes(self, g: Guardrail) -> dict:
        """The fields that differ from the mirror, as PATCH wants them."""
        current = {
            "name": g.name,
            "description": g.description or None,
            "limit_usd": g.limit_usd,
            "reset_interval": g.reset_interval or None,
            "include_byok_in_budgets": g.include_byok_in_budgets,
            **{name: getattr(g, name) or None for name in LISTS},
            **{name: bool(getattr(g, name)) for name in FLAGS},
            "content_filters": [
                {"action": e["action"], "pattern": e["pattern"]} for e in g.content_filters or []
            ]
            or None,
            "content_filter_builtins": [
                {k: v for k, v in b.items() if k != "label"}
                for b in g.content_filter_builtins or []
            ]
            or None,
        }
        out = {k: v for k, v in self.body().items() if current.get(k) != v}
        if "limit_usd" in out or "reset_interval" in out:  # upstream wants both together
            out["limit_usd"], out["reset_interval"] = (
                self.body()["limit_usd"],
                self.body()["reset_interval"],
            )
        return out


class AssignForm(forms.Form):
    """Keys (hashes) or members (upstream user ids) to assign or unassign."""

    ids = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        label="Pick",
        error_messages={"required": "Pick at least one."},
    )

    def __init__(self, *args, choices: list[tuple[str, str]], label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].choices = choices
        self.fields["ids"].label = label


class DeleteForm(TypedConfirmForm):
    label = "Type the guardrail's name to confirm"
    refused = "Type {expected} exactly to delete this guardrail."

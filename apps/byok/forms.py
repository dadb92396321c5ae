"""BYOK forms: validation mirroring ``/byok``'s, and the write-only secret.

The secret field never renders a value (not even after a refused submit); a secret pasted
with spaces or line breaks around it is trimmed, and the form says so (``secret_trimmed``).
"""

from __future__ import annotations

import json

from django import forms

from apps.accounts.roles import Perm
from apps.byok import selectors
from apps.byok.models import Region
from apps.catalog.forms import (
    ByokProviderChoiceField,
    ModelMultipleChoiceField,
    PickersMixin,
    register_pick_source,
)
from apps.core.forms import TypedConfirmForm

MAX_ALLOWLIST = 100  # upstream's maxItems for each allowlist
MIN_SECRET = 8
KEY, MEMBER = "key", "member"
# Providers whose region comes from the key material ({"api_key": …, "region": …}).
REGION_IN_KEY = ("openai", "fireworks")
# Regions a provider accepts for declared_region (others: any); "global" = undeclared.
REGIONS_ACCEPTED = {"anthropic": ("", "global", "us"), "azure": ("", "global", "europe", "us")}

ZDR_CHOICES = [
    ("", "Not declared (OpenRouter's policy for the endpoint applies)"),
    ("true", "Yes: this provider account retains no data"),
    ("false", "No: never route ZDR-only requests to it"),
]


def register_pick_sources() -> None:
    """The key and member pickers' options (from the console's mirrors) for catalog:pick."""
    register_pick_source(KEY, selectors.key_choices, noun="keys", perm=Perm.MANAGE_BYOK)
    register_pick_source(MEMBER, selectors.member_choices, noun="members", perm=Perm.MANAGE_BYOK)


class _MirrorMultipleChoiceField(ModelMultipleChoiceField):
    """Values from one of the console's mirrors (keys, members)."""

    source = KEY

    def known(self, values: list[str]) -> set[str]:
        choices = selectors.key_choices if self.source == KEY else selectors.member_choices
        return {c.value for c in choices(self.organisation, include=values) if not c.unknown}

    def check(self, values: list[str]) -> list[str]:
        known = self.known(values)
        unknown = [v for v in values if v not in known]
        if unknown:
            raise forms.ValidationError(
                f"“{unknown[0][:20]}” is not one of this organisation's {self.noun}s (as last "
                "synced): pick from the list."
            )
        return list(dict.fromkeys(values))


class KeyMultipleChoiceField(_MirrorMultipleChoiceField):
    source = KEY
    kind = KEY
    noun = "key"


class MemberMultipleChoiceField(_MirrorMultipleChoiceField):
    source = MEMBER
    kind = MEMBER
    noun = "member"


def _none_if_empty(values: list[str]) -> list[str] | None:
    """An empty allowlist means "no restriction": upstream's null (``[]`` is refused)."""
    return values or None


class _SettingsFields(PickersMixin, forms.Form):
    """What create and edit share."""

    name = forms.CharField(
        max_length=255,
        required=False,
        strip=True,
        help_text="Optional. Shown in lists beside the masked key.",
    )
    disabled = forms.BooleanField(required=False, label="Disabled (skipped when routing)")
    is_fallback = forms.BooleanField(
        required=False,
        label="Fallback: try only after OpenRouter's own capacity for this provider",
    )
    is_required = forms.BooleanField(
        required=False,
        label="Required: for the models it covers, never use OpenRouter's capacity on this provider",
    )
    is_byok_only = forms.BooleanField(
        required=False,
        label="BYOK only: never use OpenRouter's capacity on this provider, for any model",
    )
    allowed_models = ModelMultipleChoiceField(
        required=False,
        max_picks=MAX_ALLOWLIST,
        label="Allowed models",
        help_text="None picked: every model of this provider may use the key.",
    )
    allowed_user_ids = MemberMultipleChoiceField(
        required=False,
        max_picks=MAX_ALLOWLIST,
        label="Allowed members",
        help_text="None picked: every member's traffic may use the key.",
    )
    allowed_api_key_hashes = KeyMultipleChoiceField(
        required=False,
        max_picks=MAX_ALLOWLIST,
        label="Allowed API keys",
        help_text="None picked: every API key may use it.",
    )
    declared_region = forms.ChoiceField(
        required=False,
        choices=Region.choices,
        label="Declared region",
        help_text="Where your provider account processes requests (self-declared).",
    )
    declared_zdr = forms.TypedChoiceField(
        required=False,
        choices=ZDR_CHOICES,
        coerce=lambda v: v == "true",
        empty_value=None,
        label="Zero data retention",
    )

    provider_for_rules = ""  # the provider the region rules check (set by the forms)

    def clean(self):
        data = super().clean()
        if data.get("is_byok_only") and data.get("is_fallback"):
            self.add_error(
                "is_byok_only",
                "A fallback key cannot also be BYOK only: untick one of the two.",
            )
        region = data.get("declared_region") or ""
        accepted = REGIONS_ACCEPTED.get(self.provider_for_rules)
        if accepted is not None and region not in accepted:
            allowed = ", ".join(r for r in accepted if r) or "none"
            self.add_error(
                "declared_region",
                f"For this provider OpenRouter accepts these regions only: {allowed}.",
            )
        for name in ("allowed_models", "allowed_user_ids", "allowed_api_key_hashes"):
            if name in data:
                data[name] = _none_if_empty(data[name])
        return data


class SecretForm(forms.Form):
    """The write-only secret: rendered empty every time; trimmed (and said so) on paste."""

    key = forms.CharField(
        label="Provider API key",
        strip=False,
        max_length=20000,
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}
        ),
        help_text=(
            "Write-only: sent to OpenRouter, never stored or shown by the console. OpenAI and "
            'Fireworks also take {"api_key": …, "region": …}.'
        ),
        error_messages={"required": "Paste the provider's API key."},
    )

    secret_trimmed = False

    def clean_key(self) -> str:
        raw = self.cleaned_data["key"]
        value = raw.strip()
        self.secret_trimmed = value != raw
        if len(value) < MIN_SECRET:
            raise forms.ValidationError(
                f"That is too short for a provider API key (at least {MIN_SECRET} characters)."
            )
        if value.startswith("{"):
            try:
                parsed = json.loads(value)
            except ValueError:
                raise forms.ValidationError(
                    "That looks like JSON but is not valid JSON: paste the key again."
                ) from None
            if not isinstance(parsed, dict) or not isinstance(parsed.get("api_key"), str):
                raise forms.ValidationError('A JSON key needs an "api_key" string.')
        return value

    def key_region(self) -> str | None:
        """The region inside a JSON key (OpenAI, Fireworks), if any."""
        value = self.cleaned_data.get("key") or ""
        if not value.startswith("{"):
            return None
        region = json.loads(value).get("region")
        return region if isinstance(region, str) else None


class ByokCreateForm(SecretForm, _SettingsFields):
    provider = ByokProviderChoiceField(label="Provider", help_text="Search by the provider's name.")
    workspace_id = forms.ChoiceField(
        label="Workspace",
        help_text="Keys are scoped to one workspace (OpenRouter's default workspace if none).",
    )

    field_order = ["provider", "key", "name", "workspace_id"]

    def __init__(self, *args, workspaces: list[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workspace_id"].choices = list(workspaces)
        self.provider_for_rules = (self.data.get("provider") or "") if self.is_bound else ""

    def clean(self):
        data = super().clean()
        provider = data.get("provider") or ""
        if provider in REGION_IN_KEY and "key" in data:
            in_key = self.key_region()
            region = data.get("declared_region") or ""
            if region not in ("", "global") and region != in_key:
                self.add_error(
                    "declared_region",
                    "For this provider the region comes from the key: paste "
                    f'{{"api_key": "…", "region": "{region}"}} as the key, or leave the '
                    "region undeclared.",
                )
        return data


class ByokEditForm(_SettingsFields):
    def __init__(self, *args, provider: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.provider_for_rules = provider

    def changes(self, credential) -> dict:
        """Only what differs from the mirror (``None`` clears upstream)."""
        data = self.cleaned_data
        out: dict = {}
        current = {
            "name": credential.name or None,
            "disabled": credential.disabled,
            "is_fallback": credential.is_fallback,
            "is_required": credential.is_required,
            "is_byok_only": credential.is_byok_only,
            "allowed_models": credential.allowed_models,
            "allowed_user_ids": credential.allowed_user_ids,
            "allowed_api_key_hashes": credential.allowed_api_key_hashes,
            "declared_region": credential.declared_region or None,
            "declared_zdr": credential.declared_zdr,
        }
        for name, before in current.items():
            value = data.get(name)
            if name in ("name", "declared_region"):
                value = value or None
            if value != before:
                out[name] = value
        return out


class RotateForm(SecretForm):
    pass


class DeleteForm(TypedConfirmForm):
    label = "Type the provider's slug to confirm"
    refused = "Type “{expected}” to delete this key."


class ByokFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    provider = forms.CharField(required=False, max_length=100)
    workspace = forms.CharField(required=False, max_length=64)

    def filters(self) -> selectors.ByokFilters:
        if not self.is_bound or not self.is_valid():
            return selectors.ByokFilters()
        d = self.cleaned_data
        return selectors.ByokFilters(
            q=d["q"].strip(), provider=d["provider"], workspace=d["workspace"]
        )

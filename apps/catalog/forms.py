"""The catalog's forms, and the **pickers** every other app uses for models and providers.

Pickers
-------
``ModelChoiceField``, ``ModelMultipleChoiceField`` and ``ProviderMultipleChoiceField``
validate what was picked against the organisation's catalog mirror: a value the catalog
does not know is refused ("… is not in the model catalog"), and one the catalog marks gone
is refused with "… no longer exists upstream", so nothing unknown reaches upstream. Their
widget is a searchable (multi-)select (``templates/components/picker_widget.html``):
typing in its search box asks ``catalog:pick`` for matching options from the local mirror
(never upstream); without JavaScript the control lists every option and still works.

Use::

    from apps.catalog.forms import ModelChoiceField, ModelMultipleChoiceField, PickersMixin

    class WorkspaceDefaultsForm(PickersMixin, forms.Form):
        default_text_model = ModelChoiceField(modality="text", required=False)
        allowed_models = ModelMultipleChoiceField(required=False, max_picks=100)
        allowed_providers = ProviderMultipleChoiceField(required=False)

    form = WorkspaceDefaultsForm(request.POST or None, organisation=request.organisation)

and in the template, for each picker field::

    {% include "components/model_picker.html" with field=form.allowed_models %}
    {% include "components/provider_picker.html" with field=form.allowed_providers %}

(``PickersMixin`` takes the ``organisation`` keyword; without the mixin call
``bind_pickers(form, organisation)`` after building the form.) Cleaned values are model
ids (``author/slug``; a canonical slug is accepted and turned into the id) or provider
slugs; multiple pickers give a list without duplicates, in the order picked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from apps.catalog import selectors
from apps.catalog.models import Modality

MODEL, PROVIDER, BYOK_PROVIDER = "model", "provider", "byok-provider"
KINDS = (MODEL, PROVIDER, BYOK_PROVIDER)


@dataclass(frozen=True)
class PickSource:
    """Options of a picker kind another app serves (its keys, its members…): ``choices``
    has the signature of ``selectors.model_choices`` minus ``modality``; ``perm`` guards the
    search endpoint (anyone may search models; not everyone may list keys)."""

    choices: Callable[..., list]
    noun: str
    perm: str


PICK_SOURCES: dict[str, PickSource] = {}


def register_pick_source(kind: str, choices: Callable[..., list], *, noun: str, perm) -> None:
    """Let ``catalog:pick`` and ``PickerWidget`` serve ``kind`` (called from AppConfig.ready)."""
    PICK_SOURCES[kind] = PickSource(choices, noun, perm)


def noun_for(kind: str) -> str:
    if kind in PICK_SOURCES:
        return PICK_SOURCES[kind].noun
    return "models" if kind == MODEL else "providers"


class PickerWidget(forms.Widget):
    """A search box plus a ``<select>`` (one) or a checkbox list (many), from the mirror."""

    template = "components/picker_widget.html"

    def __init__(
        self, *, kind: str = MODEL, multiple: bool = False, modality: str = "", attrs=None
    ):
        super().__init__(attrs)
        self.kind = kind
        self.multiple = multiple
        self.modality = modality
        self.organisation = None  # bound by the field (see bind_pickers)
        self.required = False
        self.q = ""  # what was typed in the search box, kept when the form comes back

    def value_from_datadict(self, data, files, name):
        self.q = str(data.get(f"{name}-q") or "")[:100]
        if self.multiple:
            getter = getattr(data, "getlist", None)
            values = getter(name) if getter else data.get(name) or []
            return [v for v in values if v]
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return False if self.multiple else name not in data

    def selected(self, value) -> list[str]:
        if value in (None, ""):
            return []
        if isinstance(value, list | tuple):
            return [str(v) for v in value if v]
        return [str(value)]

    def options(self, selected: list[str], q: str = "") -> list[selectors.Choice]:
        limit = selectors.PICK_LIMIT if q else None
        if self.organisation is None:
            return [selectors.Choice(v, v, v, unknown=True) for v in selected]
        if self.kind in PICK_SOURCES:
            return PICK_SOURCES[self.kind].choices(
                self.organisation, q, limit=limit, include=selected
            )
        if self.kind == BYOK_PROVIDER:
            return selectors.byok_provider_choices(
                self.organisation, q, limit=limit, include=selected
            )
        if self.kind == PROVIDER:
            return selectors.provider_choices(self.organisation, q, limit=limit, include=selected)
        return selectors.model_choices(
            self.organisation, q, self.modality, limit=limit, include=selected
        )

    def pick_url(self, name: str, widget_id: str) -> str:
        params = {"kind": self.kind, "name": name, "id": widget_id}
        if self.multiple:
            params["multiple"] = "1"
        if self.modality:
            params["modality"] = self.modality
        if self.required:
            params["required"] = "1"
        return f"{reverse('catalog:pick')}?{urlencode(params)}"

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        widget_id = attrs.get("id") or f"id_{name}"
        selected = self.selected(value)
        context = {
            "name": name,
            "id": widget_id,
            "multiple": self.multiple,
            "kind": self.kind,
            "required": self.required,
            "options": self.options(selected, self.q.strip()),
            "q": self.q,
            "selected": selected,
            "pick_url": self.pick_url(name, widget_id),
            "noun": noun_for(self.kind),
            "describedby": attrs.get("aria-describedby", ""),
            "invalid": attrs.get("aria-invalid", ""),
        }
        return mark_safe(render_to_string(self.template, context))  # noqa: S308 (escaped template)


class _PickerField(forms.Field):
    kind = MODEL
    multiple = False

    def __init__(self, *, modality: str = "", max_picks: int = 100, **kwargs):
        if modality and modality not in Modality.values:
            raise ValueError(f"unknown modality {modality!r}")
        self.modality = modality
        self.max_picks = max_picks
        kwargs.setdefault(
            "widget", PickerWidget(kind=self.kind, multiple=self.multiple, modality=modality)
        )
        super().__init__(**kwargs)
        self.widget.required = self.required
        self.organisation = None

    def bind(self, organisation) -> None:
        self.organisation = organisation
        self.widget.organisation = organisation

    # --- validation ---------------------------------------------------------------------

    noun = "model"
    catalog_noun = "model catalog"

    def lookup(self, values: list[str]) -> dict:
        return selectors.models_lookup(self.organisation, values)

    def value_of(self, found) -> str:
        return found.model_id

    def check(self, values: list[str]) -> list[str]:
        if self.organisation is None:
            raise RuntimeError("bind_pickers(form, organisation) was not called for this form")
        found = self.lookup(values)
        if not found and not selectors.catalog_synced(self.organisation):
            raise forms.ValidationError(
                f"The {self.catalog_noun} has not been synced yet, so no {self.noun} can be "
                "checked: refresh it on the Models page and try again."
            )
        errors, out = [], []
        for value in values:
            row = found.get(value)
            if row is None:
                errors.append(
                    f"“{value}” is not in the {self.catalog_noun}: pick one from the list."
                )
            elif row.gone_at is not None:
                errors.append(
                    f"{row.name} ({value}) no longer exists upstream: remove it or pick another."
                )
            else:
                out.append(self.value_of(row))
        if errors:
            raise forms.ValidationError(errors)
        return list(dict.fromkeys(out))


class ModelChoiceField(_PickerField):
    """One model id from the catalog (``author/slug``); ``modality`` narrows the options."""

    def to_python(self, value):
        return (value or "").strip()

    def clean(self, value):
        value = self.to_python(value)
        self.validate(value)
        return self.check([value])[0] if value else ""


class ModelMultipleChoiceField(_PickerField):
    """A list of model ids from the catalog (at most ``max_picks``, 100 like upstream)."""

    multiple = True
    default_error_messages = {"required": "Pick at least one model."}

    def to_python(self, value):
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        return [v.strip() for v in value if v and v.strip()]

    def clean(self, value):
        values = self.to_python(value)
        self.validate(values)
        if len(dict.fromkeys(values)) > self.max_picks:
            raise forms.ValidationError(f"Pick at most {self.max_picks} {self.noun}s.")
        return self.check(values) if values else []


class ProviderMultipleChoiceField(ModelMultipleChoiceField):
    """A list of provider slugs from the catalog's providers."""

    kind = PROVIDER
    noun = "provider"
    catalog_noun = "provider list"
    default_error_messages = {"required": "Pick at least one provider."}

    def lookup(self, values: list[str]) -> dict:
        return selectors.providers_lookup(self.organisation, values)

    def value_of(self, found) -> str:
        return found.slug


class ProviderChoiceField(ModelChoiceField):
    """One provider slug from the catalog's providers."""

    kind = PROVIDER
    noun = "provider"
    catalog_noun = "provider list"

    def lookup(self, values: list[str]) -> dict:
        return selectors.providers_lookup(self.organisation, values)

    def value_of(self, found) -> str:
        return found.slug


class ByokProviderChoiceField(ProviderChoiceField):
    """One provider a BYOK credential may be for: the API's own list (searchable by the
    provider's display name), whether or not the catalog has synced."""

    kind = BYOK_PROVIDER

    def check(self, values: list[str]) -> list[str]:
        allowed = set(selectors.BYOK_PROVIDERS)
        unknown = [v for v in values if v not in allowed]
        if unknown:
            raise forms.ValidationError(
                f"“{unknown[0]}” is not a provider OpenRouter accepts keys for: pick one from "
                "the list."
            )
        return list(dict.fromkeys(values))


def bind_pickers(form: forms.BaseForm, organisation) -> forms.BaseForm:
    """Give every picker field of ``form`` the organisation whose mirror it reads."""
    for field in form.fields.values():
        if isinstance(field, _PickerField):
            field.bind(organisation)
    return form


class PickersMixin:
    """A form whose picker fields read ``organisation``'s catalog: pass it as a keyword."""

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        bind_pickers(self, organisation)


# --- the catalog's own forms ----------------------------------------------------------------

CONTEXT_CHOICES = [
    ("", "Any"),
    ("8000", "8K or more"),
    ("32000", "32K or more"),
    ("128000", "128K or more"),
    ("200000", "200K or more"),
    ("1000000", "1M or more"),
]
MAX_PRICE = Decimal("100000")


class PriceField(forms.DecimalField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_value", MAX_PRICE)
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 4)
        kwargs.setdefault(
            "error_messages",
            {
                "invalid": "Enter a price in US dollars, like 0.5 or 15.",
                "min_value": "A price cannot be negative.",
            },
        )
        super().__init__(**kwargs)


class CatalogFilterForm(forms.Form):
    """The catalog page's filters; an invalid value is ignored (and said so), never a 500."""

    q = forms.CharField(required=False, max_length=100)
    modality = forms.ChoiceField(required=False, choices=[("", "Any"), *Modality.choices])
    context = forms.TypedChoiceField(
        required=False, choices=CONTEXT_CHOICES, coerce=int, empty_value=None
    )
    max_input = PriceField(label="Max input $ / 1M tokens")
    max_output = PriceField(label="Max output $ / 1M tokens")
    provider = forms.CharField(required=False, max_length=100)
    zdr = forms.BooleanField(required=False)
    parameter = forms.CharField(required=False, max_length=60)
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("name", "Name"),
            ("context", "Context (largest)"),
            ("input_price", "Input price (lowest)"),
            ("output_price", "Output price (lowest)"),
            ("newest", "Newest"),
        ],
    )
    gone = forms.BooleanField(required=False)

    def filters(self) -> selectors.CatalogFilters:
        if not self.is_bound:
            return selectors.CatalogFilters()
        self.is_valid()
        data = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
        return selectors.CatalogFilters(
            q=(data.get("q") or "").strip(),
            modality=data.get("modality") or "",
            min_context=data.get("context"),
            max_input=data.get("max_input"),
            max_output=data.get("max_output"),
            provider=data.get("provider") or "",
            zdr=bool(data.get("zdr")),
            parameter=data.get("parameter") or "",
            sort=data.get("sort") or "name",
            gone=bool(data.get("gone")),
        )


MAX_COMPARE = 4


class CompareForm(PickersMixin, forms.Form):
    """Up to four models side by side."""

    m = ModelMultipleChoiceField(label="Models to compare", required=False, max_picks=MAX_COMPARE)

    def clean_m(self):
        values = self.cleaned_data["m"]
        if len(values) > MAX_COMPARE:
            raise forms.ValidationError(f"Compare at most {MAX_COMPARE} models at a time.")
        return values


class EstimateForm(forms.Form):
    """ "1,000 requests of 2k in / 500 out": what they would cost at each model's prices."""

    requests = forms.IntegerField(
        label="Requests",
        min_value=1,
        max_value=1_000_000_000,
        initial=1000,
        error_messages={
            "invalid": "Enter a whole number of requests, like 1000.",
            "min_value": "Estimate at least one request.",
            "max_value": "At most a billion requests.",
        },
    )
    input_tokens = forms.IntegerField(
        label="Input tokens per request",
        min_value=0,
        max_value=100_000_000,
        initial=2000,
        error_messages={
            "invalid": "Enter a whole number of tokens, like 2000.",
            "min_value": "Tokens cannot be negative.",
            "max_value": "At most 100,000,000 tokens per request.",
        },
    )
    output_tokens = forms.IntegerField(
        label="Output tokens per request",
        min_value=0,
        max_value=100_000_000,
        initial=500,
        error_messages={
            "invalid": "Enter a whole number of tokens, like 500.",
            "min_value": "Tokens cannot be negative.",
            "max_value": "At most 100,000,000 tokens per request.",
        },
    )

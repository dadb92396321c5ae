"""The pickers other apps use: validation against the mirror, the widget, and catalog:pick."""

from __future__ import annotations

import pytest
from django import forms
from django.urls import reverse

from apps.catalog.forms import (
    ByokProviderChoiceField,
    ModelChoiceField,
    ModelMultipleChoiceField,
    PickersMixin,
    ProviderMultipleChoiceField,
    bind_pickers,
)
from apps.catalog.models import CatalogModel

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
PICK = reverse("catalog:pick")


class DefaultsForm(PickersMixin, forms.Form):
    default_model = ModelChoiceField(modality="text", required=False, label="Default model")
    allowed_models = ModelMultipleChoiceField(required=False, max_picks=3, label="Allowed")
    allowed_providers = ProviderMultipleChoiceField(required=False, label="Providers")


def test_known_models_and_providers_are_accepted(organisation, catalog):
    form = DefaultsForm(
        {
            "default_model": "openai/gpt-4.1",
            "allowed_models": ["anthropic/claude-4.5-sonnet-20250929", "openai/gpt-4o-mini"],
            "allowed_providers": ["azure", "openai"],
        },
        organisation=organisation,
    )
    assert form.is_valid(), form.errors
    # A canonical slug comes back as the model's id.
    assert form.cleaned_data["allowed_models"] == [
        "anthropic/claude-sonnet-4.5",
        "openai/gpt-4o-mini",
    ]
    assert form.cleaned_data["allowed_providers"] == ["azure", "openai"]


def test_an_unknown_model_is_a_clear_field_error(organisation, catalog):
    form = DefaultsForm({"default_model": "acme/imaginary"}, organisation=organisation)
    assert not form.is_valid()
    assert form.errors["default_model"] == [
        "“acme/imaginary” is not in the model catalog: pick one from the list."
    ]


def test_a_model_gone_upstream_is_refused_as_such(organisation, catalog):
    CatalogModel.objects.filter(organisation=organisation, model_id="openai/gpt-4.1").update(
        gone_at="2026-01-01T00:00:00Z"
    )
    form = DefaultsForm({"allowed_models": ["openai/gpt-4.1"]}, organisation=organisation)
    assert not form.is_valid()
    assert "no longer exists upstream" in form.errors["allowed_models"][0]


def test_unknown_provider_and_too_many_models(organisation, catalog):
    form = DefaultsForm(
        {
            "allowed_providers": ["nope"],
            "allowed_models": [
                "openai/gpt-4.1",
                "openai/gpt-4o-mini",
                "openai/gpt-4.1-mini",
                "openai/o4-mini",
            ],
        },
        organisation=organisation,
    )
    assert not form.is_valid()
    assert "not in the provider list" in form.errors["allowed_providers"][0]
    assert form.errors["allowed_models"] == ["Pick at most 3 models."]


def test_before_any_catalog_sync_the_picker_says_so(organisation):
    form = DefaultsForm({"default_model": "openai/gpt-4.1"}, organisation=organisation)
    assert not form.is_valid()
    assert "has not been synced yet" in form.errors["default_model"][0]


def test_bind_pickers_without_the_mixin(organisation, catalog):
    class Plain(forms.Form):
        model = ModelChoiceField()

    form = bind_pickers(Plain({"model": "openai/gpt-4.1"}), organisation)
    assert form.is_valid() and form.cleaned_data["model"] == "openai/gpt-4.1"
    assert not bind_pickers(Plain({"model": ""}), organisation).is_valid()  # required


def test_byok_provider_field_takes_the_apis_list(organisation):
    class F(PickersMixin, forms.Form):
        provider = ByokProviderChoiceField()

    assert F({"provider": "cerebras"}, organisation=organisation).is_valid()
    bad = F({"provider": "made-up"}, organisation=organisation)
    assert not bad.is_valid() and "not a provider OpenRouter accepts keys for" in str(bad.errors)


def test_widget_renders_a_labelled_searchable_control(organisation, catalog):
    form = DefaultsForm(
        initial={"allowed_models": ["openai/gpt-4.1"], "default_model": "openai/gpt-4o-mini"},
        organisation=organisation,
    )
    single = str(form["default_model"])
    assert '<select name="default_model" id="id_default_model"' in single
    assert 'value="openai/gpt-4o-mini" selected' in single
    assert "Google: Gemini Embedding" not in single  # modality="text" narrows the list
    multi = str(form["allowed_models"])
    assert 'type="checkbox" name="allowed_models" value="openai/gpt-4.1" checked' in multi
    assert 'role="group"' in multi and "Search models" in multi
    assert f"{PICK}?kind=model&amp;name=allowed_models" in multi


def test_widget_shows_a_picked_model_that_is_gone(organisation, catalog):
    CatalogModel.objects.filter(organisation=organisation, model_id="openai/gpt-4.1").update(
        gone_at="2026-01-01T00:00:00Z"
    )
    form = DefaultsForm(initial={"allowed_models": ["openai/gpt-4.1"]}, organisation=organisation)
    html = str(form["allowed_models"])
    assert "no longer exists upstream" in html and 'value="openai/gpt-4.1" checked' in html


def test_pick_searches_the_mirror_and_keeps_what_is_picked(client_for, member, catalog):
    response = client_for(member).get(
        PICK,
        {
            "kind": "model",
            "name": "allowed_models",
            "id": "id_allowed_models",
            "multiple": "1",
            "allowed_models-q": "claude",
            "allowed_models": ["openai/gpt-4.1"],
        },
        **HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="openai/gpt-4.1" checked' in body  # still picked, listed first
    assert "Claude Sonnet 4.5" in body and "Gemini" not in body
    assert 'id="id_allowed_models-count"' in body and "hx-swap-oob" in body


def test_pick_for_a_single_select_answers_options(client_for, member, catalog):
    response = client_for(member).get(
        PICK,
        {"kind": "model", "name": "m", "id": "id_m", "modality": "embeddings", "m-q": "text"},
    )
    body = response.content.decode()
    assert "<option" in body and "text-embedding-3-small" in body and "gpt-4.1" not in body


def test_pick_providers_by_display_name(client_for, member, catalog):
    response = client_for(member).get(
        PICK, {"kind": "provider", "name": "p", "id": "id_p", "multiple": "1", "p-q": "bedrock"}
    )
    assert 'value="amazon-bedrock"' in response.content.decode()


def test_pick_byok_providers_by_display_name(client_for, member, catalog):
    response = client_for(member).get(
        PICK, {"kind": "byok-provider", "name": "p", "id": "id_p", "p-q": "Google"}
    )
    body = response.content.decode()
    assert 'value="google-vertex"' in body and 'value="google-ai-studio"' in body


@pytest.mark.parametrize(
    "params",
    [{"kind": "other", "name": "x", "id": "x"}, {"kind": "model", "name": "<x>", "id": "x"}],
)
def test_pick_refuses_a_malformed_request(client_for, member, catalog, params):
    assert client_for(member).get(PICK, params).status_code == 404


def test_outsider_picks_only_from_their_own_mirror(client_for, outsider, catalog):
    response = client_for(outsider).get(
        PICK, {"kind": "model", "name": "m", "id": "m", "m-q": "gpt"}
    )
    assert "gpt-4.1" not in response.content.decode()

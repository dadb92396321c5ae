"""The model catalog pages (readable by every role), and the pickers' search endpoint."""

from __future__ import annotations

import re

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.accounts.access import org_view, role_refused
from apps.accounts.roles import Perm
from apps.catalog import forms, selectors
from apps.core.kit import can, render_page
from apps.syncs.selectors import stream_status

_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")
ESTIMATE_FIELDS = ("requests", "input_tokens", "output_tokens")


def _query(request: HttpRequest, *drop: str) -> str:
    query = request.GET.copy()
    for param in ("after", "clear", *drop):
        query.pop(param, None)
    return query.urlencode()


@org_view(Perm.VIEW_CATALOG)
@require_GET
def catalog_list(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    form = forms.CatalogFilterForm(request.GET or None)
    filters = form.filters()
    rows, next_cursor = selectors.models_page(
        organisation, filters, after=request.GET.get("after", "")
    )
    sync = stream_status(organisation, selectors.STREAM)
    context = {
        "form": form,
        "filters": filters,
        "filters_active": filters != selectors.CatalogFilters(),
        "models": rows,
        "next_cursor": next_cursor,
        "query": _query(request),
        "sync": sync,
        # Read only when the filters are drawn (a full page), not for the results partial.
        "choices": selectors.FilterChoices(organisation, version=sync.last_success_at),
        "max_compare": forms.MAX_COMPARE,
    }
    status = 422 if form.errors else 200
    return render_page(
        request, "catalog/list.html", context, partial="results", more="rows", status=status
    )


def _estimate(request: HttpRequest) -> forms.EstimateForm:
    bound = any(name in request.GET for name in ESTIMATE_FIELDS)
    return forms.EstimateForm(request.GET if bound else None)


@org_view(Perm.VIEW_CATALOG)
@require_GET
def model_detail(request: HttpRequest, author: str, slug: str) -> HttpResponse:
    model = selectors.model_get(request.organisation, f"{author}/{slug}")
    if model is None:
        raise Http404("No such model in the catalog.")
    estimate = _estimate(request)
    context = {
        "model": model,
        "endpoints": selectors.model_endpoints(model),
        "provider_names": selectors.provider_names(request.organisation),
        "estimate_form": estimate,
        "estimate": selectors.estimate_for([model], estimate_values(estimate)),
        "sync": stream_status(request.organisation, selectors.STREAM),
    }
    status = 422 if estimate.errors else 200
    return render_page(request, "catalog/detail.html", context, partial="estimate", status=status)


def estimate_values(form: forms.EstimateForm) -> dict:
    """The estimate's inputs: what was typed when valid, else the form's defaults."""
    if form.is_bound and form.is_valid():
        return form.cleaned_data
    return {name: form.fields[name].initial for name in ESTIMATE_FIELDS}


@org_view(Perm.VIEW_CATALOG)
@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    compare_form = forms.CompareForm(
        request.GET if request.GET.getlist("m") else None, organisation=request.organisation
    )
    picked = compare_form.cleaned_data["m"] if compare_form.is_valid() else []
    estimate = _estimate(request)
    models = selectors.models_for_compare(request.organisation, picked)
    context = {
        "form": compare_form,
        "estimate_form": estimate,
        "models": models,
        "estimate": selectors.estimate_for(models, estimate_values(estimate)),
        "rows": selectors.compare_rows(models),
        "max_compare": forms.MAX_COMPARE,
    }
    status = 422 if compare_form.errors or estimate.errors else 200
    return render_page(
        request, "catalog/compare.html", context, partial="comparison", status=status
    )


@org_view(Perm.VIEW_CATALOG)
@require_GET
def pick(request: HttpRequest) -> HttpResponse:
    """The options of a picker matching what was typed (``<name>-q``), from the mirror."""
    kind = request.GET.get("kind", forms.MODEL)
    name = request.GET.get("name", "")
    widget_id = request.GET.get("id", "")
    modality = request.GET.get("modality", "")
    if (
        (kind not in forms.KINDS and kind not in forms.PICK_SOURCES)
        or not _NAME.match(name)
        or not _NAME.match(widget_id)
    ):
        raise Http404("No such picker.")
    source = forms.PICK_SOURCES.get(kind)
    if source is not None and not can(request, source.perm):
        return role_refused(request)
    if modality and modality not in forms.Modality.values:
        modality = ""
    widget = forms.PickerWidget(
        kind=kind, multiple=request.GET.get("multiple") == "1", modality=modality
    )
    widget.organisation = request.organisation
    selected = [v for v in request.GET.getlist(name) if v][: selectors.PICK_LIMIT * 2]
    q = request.GET.get(f"{name}-q", request.GET.get("q", ""))[:100]
    context = {
        "name": name,
        "id": widget_id,
        "multiple": widget.multiple,
        "options": widget.options(selected, q),
        "selected": selected,
        "noun": forms.noun_for(kind),
        "required": request.GET.get("required") == "1",
        "oob": True,
    }
    return render(request, "components/picker_widget.html#options", context)

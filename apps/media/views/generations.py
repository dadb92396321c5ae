"""Generation pages: look one up by id, the ones looked up before, and one's details."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.access import get_for_org, org_view
from apps.accounts.roles import Perm
from apps.audit.context import Actor
from apps.core.errors import ConsoleError
from apps.core.kit import finish, form_fail, render_form, render_page
from apps.media import forms, selectors
from apps.media.services import generations as services
from apps.media.views.common import viewer_of


def _list_context(request: HttpRequest, form=None) -> dict:
    viewer = viewer_of(request)
    initial = {"generation_id": request.GET.get("id", "")}
    return {
        "form": form or forms.GenerationLookupForm(initial=initial),
        "generations": list(
            selectors.generations_visible(request.organisation, viewer).order_by("-fetched_at")[:50]
        ),
    }


@org_view(Perm.VIEW_MEDIA)
@require_GET
def generation_list(request: HttpRequest) -> HttpResponse:
    return render_page(request, "media/generations.html", _list_context(request), partial="lookup")


@org_view(Perm.VIEW_MEDIA)
@require_POST
def generation_lookup(request: HttpRequest) -> HttpResponse:
    form = forms.GenerationLookupForm(request.POST)
    viewer = viewer_of(request)
    if form.is_valid():
        try:
            row = services.generation_lookup(
                Actor.from_request(request),
                form.cleaned_data["generation_id"],
                see_all=viewer.org_wide,
                see_content=viewer.see_all,
            )
        except ConsoleError as exc:
            form_fail(form, exc)
        else:
            return finish(request, reverse("media:generation_detail", args=[row.generation_id]))
    return render_form(
        request, "media/generations.html", _list_context(request, form), partial="lookup"
    )


@org_view(Perm.VIEW_MEDIA)
@require_GET
def generation_detail(request: HttpRequest, generation_id: str) -> HttpResponse:
    viewer = viewer_of(request)
    row = get_for_org(
        request,
        selectors.generations_visible(request.organisation, viewer),
        generation_id=generation_id,
    )
    show_content = viewer.may_see_content(row.owner_id)
    context = {
        "g": row,
        "d": row.data,
        "content": services.content_of(row) if show_content else None,
        "content_hidden": not show_content,
        "jobs": selectors.jobs_of_generation(request.organisation, row.generation_id),
    }
    return render_page(request, "media/generation_detail.html", context, partial="detail")

"""Looking up generations (``GET /generation``, ``/generation/content``) and keeping them.

Upstream answers any key of the account and does not say which key made a generation, so
the console decides who may look one up: people who see every job (admins) or every cost
(finance) may look up any id of the organisation; everyone else only the ids the console
knows are theirs (their video jobs' generations, and those another app links to them with
:func:`generation_link`). The stored input/output is fetched and shown only to people
entitled to content (admins and the generation's owner), never to finance.
"""

from __future__ import annotations

import json

from django.db import transaction
from django.utils import timezone

from apps.audit.context import Actor
from apps.core.errors import Invalid, NotAllowed
from apps.core.fields import reveal
from apps.core.times import as_datetime
from apps.gateway import errors as upstream
from apps.gateway import generations as gateway_generations
from apps.inference import services as inference
from apps.media.models import Generation, VideoJob


def known_owner(organisation, generation_id: str):
    """The console user a generation belongs to, when the console knows it (or ``None``)."""
    job = (
        VideoJob.objects.filter(organisation=organisation, generation_id=generation_id)
        .select_related("owner")
        .first()
    )
    if job is not None:
        return job.owner
    row = Generation.objects.filter(organisation=organisation, generation_id=generation_id).first()
    return row.owner if row is not None else None


def generation_link(organisation, user, generation_id: str) -> None:
    """Record that ``generation_id`` is ``user``'s (a playground answer, say)."""
    Generation.objects.get_or_create(
        organisation=organisation,
        generation_id=generation_id,
        defaults={"owner": user, "fetched_at": timezone.now()},
    )


def _jsonable(value):
    return json.loads(json.dumps(value, default=str))


def generation_lookup(
    actor: Actor, generation_id: str, *, see_all: bool, see_content: bool
) -> Generation:
    """Fetch (or refresh) one generation and keep it; ``see_all`` = may look up any id."""
    generation_id = generation_id.strip()
    if not generation_id.startswith("gen-") or len(generation_id) > 80:
        raise Invalid("A generation id looks like gen-…", field="generation_id")
    organisation = actor.organisation
    owner = known_owner(organisation, generation_id)
    if not see_all and (owner is None or owner != actor.user):
        raise NotAllowed(
            "That generation is not one of yours (or not one the console knows): ask an admin.",
            field="generation_id",
        )
    creds = inference.console_credentials(inference.service_key_for(organisation))
    try:
        data = gateway_generations.generation_get(creds, generation_id)
    except upstream.NotFound:
        raise Invalid(
            "OpenRouter has no generation with that id in this organisation.",
            field="generation_id",
        ) from None
    content, state = "", ""
    if see_content or (owner is not None and owner == actor.user):
        try:
            stored = gateway_generations.generation_content(creds, generation_id)
            content, state = json.dumps(_jsonable(stored.model_dump())), "stored"
        except upstream.NotFound:
            state = "none"
    fields = {
        "owner": owner,
        "model": data.model,
        "provider_name": data.provider_name or "",
        "total_cost": float(data.total_cost or 0),
        "created_at": as_datetime(data.created_at),
        "data": _jsonable(data.model_dump()),
        "fetched_at": timezone.now(),
    }
    if state:
        fields["content"], fields["content_state"] = content, state
    with transaction.atomic():
        row, _ = Generation.objects.update_or_create(
            organisation=organisation, generation_id=generation_id, defaults=fields
        )
        if actor.user is not None:
            row.looked_up_by.add(actor.user)
    return row


def content_of(row: Generation) -> dict | None:
    if row.content_state != "stored" or not row.content:
        return None
    try:
        return json.loads(reveal(row.content))
    except ValueError:
        return None

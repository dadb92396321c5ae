"""The shared write path of the mirrored domains: what a refusal looks like on the way out."""

from __future__ import annotations

import pytest

from apps.gateway.errors import BadRequest, Conflict, NotFound
from apps.syncs.writes import MirrorWrites, named_field, redacted


def test_a_secret_is_cut_out_as_typed_and_trimmed():
    exc = BadRequest(
        "Refused: sk-abc is not valid", upstream_message="key ' sk-abc ' is not valid: sk-abc"
    )
    redacted(exc, [" sk-abc ", None, ""])
    assert "sk-abc" not in exc.message and "sk-abc" not in exc.upstream_message
    assert exc.upstream_message == "key '[redacted]' is not valid: [redacted]"


@pytest.mark.parametrize(
    ("said", "field"),
    [
        ("name must be at most 100 characters", "name"),
        ("Invalid slug given", "slug"),
        ("the description  is too long", None),  # not the word on its own
        ("renamed things", None),  # a word inside another is not the field
    ],
)
def test_a_refusal_lands_on_the_field_it_names(said, field):
    assert named_field(BadRequest(upstream_message=said), ("name", "slug")) == field


def test_only_a_bad_request_names_a_field():
    assert named_field(Conflict(upstream_message="name is taken"), ("name",)) is None


def test_a_call_refused_comes_out_explained_and_redacted():
    writes = MirrorWrites(
        noun="thing",
        target="thing",
        target_id=str,
        label=str,
        store=lambda organisation, data: data,
        snapshot=dict,
        explain=lambda exc: setattr(exc, "field", "secret") or exc,
    )

    def refuse():
        raise NotFound("no such s3cr3t", upstream_message="s3cr3t")

    with pytest.raises(NotFound) as caught:
        writes.call(refuse, secrets=["s3cr3t"])
    assert caught.value.field == "secret"
    assert "s3cr3t" not in caught.value.message + caught.value.upstream_message

from __future__ import annotations

import json

import pytest

from apps.audit.context import Actor


@pytest.fixture
def actor_for(organisation):
    def make(user) -> Actor:
        return Actor(organisation=organisation, user=user)

    return make


def ndjson(response) -> list[dict]:
    return [json.loads(line) for line in b"".join(response.streaming_content).splitlines() if line]

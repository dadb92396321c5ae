"""Fuzzing every console route with each role's real session: no input reaches an HTTP 500.

Every route of the URL conf (the sandbox apart) gets GET and POST from owner, admin,
finance and member, signed in through the sign-in form, with garbage in every field its
pages post and every filter and cursor the views read: huge numbers, superscripts, leading
zeros, other scripts' digits, unicode, dates that do not exist, bad base64 cursors. Then
hypothesis (derandomized, bounded) mixes them further. Ids spelled with leading zeros or past
a 64-bit integer must not reach a view at all.
"""

from __future__ import annotations

import itertools
import random
import sys
import time

import pytest
from django.core.signals import got_request_exception
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from apps.accounts.models import Invitation, Membership
from apps.core import keyset
from apps.keys.models import Key, KeyRequest
from apps.keys.selectors import SORTS
from apps.syncs.registry import streams
from apps.syncs.runner import sync_run
from tests.fuzz.support import (
    BAD_CURSORS,
    BAD_ID_SPELLINGS,
    KNOWN_NAMES,
    NASTY,
    PATH_VALUES,
    console_routes,
    field_names,
    path_value,
)

pytestmark = pytest.mark.django_db

ROLES = ("owner", "admin", "finance", "member")
PASSWORD = "correct horse battery"  # tests.factories.UserFactory's


class Fuzzer:
    """Sends requests, counts them, and keeps every 500 with what caused it."""

    def __init__(self, sessions: dict[str, Client]) -> None:
        self.sessions = sessions
        self.sent = 0
        self.failures: list[str] = []
        self._errors: list[str] = []
        got_request_exception.connect(self._record)

    def _record(self, sender, request=None, **kwargs) -> None:
        exc = sys.exc_info()[1]
        self._errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")

    def close(self) -> None:
        got_request_exception.disconnect(self._record)

    def send(self, role: str, method: str, path: str, data: dict, *, htmx: bool = False):
        client = self.sessions[role]
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        self._errors.clear()
        if method == "GET":
            response = client.get(path, data, **headers)
        else:
            response = client.post(path, data, **headers)
        self.sent += 1
        if response.status_code >= 500:
            cause = "; ".join(self._errors) or "no exception"
            self.failures.append(
                f"{role} {method} {path} {data!r} → {response.status_code} {cause}"
            )
        return response


@pytest.fixture
def sessions(owner, admin, finance, member) -> dict[str, Client]:
    """One real session per role, signed in through the sign-in form."""
    out = {}
    for role, user in zip(ROLES, (owner, admin, finance, member), strict=True):
        client = Client(raise_request_exception=False)
        response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
        assert response.status_code == 302, f"{role} could not sign in"
        out[role] = client
    return out


@pytest.fixture
def world(organisation, other_organisation, owner, member, admin):
    """Real objects to aim at: keys, requests, invitations, memberships of both organisations."""
    assert sync_run(organisation, "keys").run.ok
    hashes = list(Key.objects.filter(organisation=organisation).values_list("hash", flat=True)[:3])
    pending = KeyRequest.objects.create(
        organisation=organisation, requester=member, name="fuzz", purpose="fuzzing"
    )
    invitation = Invitation.objects.create(
        organisation=organisation, email="new@acme.test", role="member", invited_by=admin
    )
    memberships = [
        str(pk)
        for pk in Membership.objects.filter(organisation=organisation).values_list("pk", flat=True)
    ]
    return {
        "organisation_id": [str(organisation.pk), str(other_organisation.pk)],
        "pk": [*memberships, str(invitation.pk)],
        "membership_id": memberships,
        "request_id": [str(pending.pk)],
        "key_hash": hashes,
        "token": [invitation.token],
        "stream": [s.name for s in streams()],
    }


@pytest.fixture
def fuzzer(sessions, world):
    fuzz = Fuzzer(sessions)
    yield fuzz
    fuzz.close()


def _names_by_route(fuzz: Fuzzer, routes, world) -> dict[str, list[str]]:
    """The field names each route's page shows (as owner, and as member), plus known ones."""
    names: dict[str, list[str]] = {}
    for index, route in enumerate(routes):
        found: set[str] = set()
        path = route.path(
            {name: path_value(conv, name, index, world) for conv, name in route.params}
        )
        for role in ("owner", "member"):
            response = fuzz.send(role, "GET", path, {})
            if response.get("Content-Type", "").startswith("text/html"):
                found |= field_names(response.content.decode(errors="replace"))
        names[route.name] = sorted(found | set(KNOWN_NAMES))
    return names


def _garbage(rng: random.Random, names: list[str]) -> dict[str, object]:
    chosen = rng.sample(names, k=min(len(names), rng.randint(1, 6)))
    data: dict[str, object] = {}
    for name in chosen:
        if rng.random() < 0.15:
            data[name] = rng.sample(NASTY, k=3)  # the same name several times
        else:
            data[name] = rng.choice(NASTY)
    return data


def _report(capsys, label: str, fuzz: Fuzzer, started: float) -> None:
    with capsys.disabled():
        print(
            f"\n[fuzz] {label}: {fuzz.sent} requests, {len(fuzz.failures)} HTTP 500s, "
            f"{time.monotonic() - started:.1f} s"
        )


def test_every_route_with_every_role_survives_garbage(fuzzer, world, capsys):
    started = time.monotonic()
    routes = console_routes()
    names = _names_by_route(fuzzer, routes, world)
    rng = random.Random(10)
    for index, route in enumerate(routes):
        for role in ROLES:
            for method in ("GET", "POST"):
                values = {
                    name: path_value(conv, name, rng.randrange(50), world)
                    for conv, name in route.params
                }
                fuzzer.send(
                    role,
                    method,
                    route.path(values),
                    _garbage(rng, names[route.name]),
                    htmx=bool(index % 2),
                )
    _report(capsys, "every route, role and method", fuzzer, started)
    assert not fuzzer.failures, "\n".join(fuzzer.failures)


def test_ids_with_leading_zeros_or_past_64_bits_never_reach_a_view(fuzzer, capsys):
    started = time.monotonic()
    id_routes = [r for r in console_routes() if any(c == "id" for c, _ in r.params)]
    assert len(id_routes) >= 10
    for route in id_routes:
        for spelling in BAD_ID_SPELLINGS:
            path = route.path({n: spelling if c == "id" else "zzz" for c, n in route.params})
            for method in ("GET", "POST"):
                response = fuzzer.send("owner", method, path, {})
                assert response.status_code == 404, f"{method} {path}: {response.status_code}"
    _report(capsys, "ids spelled wrong", fuzzer, started)
    assert not fuzzer.failures, "\n".join(fuzzer.failures)


def test_every_cursor_on_every_sort_of_the_keys_list(fuzzer, capsys):
    started = time.monotonic()
    for index, (sort, cursor) in enumerate(itertools.product(SORTS, BAD_CURSORS)):
        query = {"sort": sort, "dir": ("", "asc", "desc")[index % 3], "after": cursor}
        role = ("admin", "finance")[index % 2]
        response = fuzzer.send(role, "GET", "/keys/", query, htmx=bool(index % 4 < 2))
        assert response.status_code == 200, (query, response.status_code)
    for sort in SORTS:  # the member's own list reads the same cursors
        fuzzer.send("member", "GET", "/keys/mine/", {"sort": sort, "after": BAD_CURSORS[0]})
    _report(capsys, "keys list cursors", fuzzer, started)
    assert not fuzzer.failures, "\n".join(fuzzer.failures)


def test_a_cursor_the_list_made_still_pages(fuzzer, organisation):
    # The type checks refuse only what keyset.encode never makes.
    for sort, (column, _desc) in SORTS.items():
        key = Key.objects.filter(organisation=organisation).first()
        cursor = keyset.encode(key, column)
        assert keyset.decode(cursor, Key._meta.get_field(column)) is not None, sort


def test_no_console_route_takes_a_plain_int():
    # <int:…> accepts 00001 and 20-digit numbers; every console id is <id:…>.
    assert [r.name for r in console_routes() if "<int:" in r.pattern] == []


def test_hypothesis_mixes_routes_roles_and_values(fuzzer, world, capsys):
    started = time.monotonic()
    routes = console_routes()
    names = sorted({*KNOWN_NAMES, "api_key", "base_url", "hashes", "reason", "limit_reset"})
    values = st.one_of(st.sampled_from(NASTY), st.text(max_size=40))

    @settings(
        max_examples=150,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # every 500 is listed; none is shrunk
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        route=st.sampled_from(routes),
        role=st.sampled_from(ROLES),
        method=st.sampled_from(["GET", "POST"]),
        htmx=st.booleans(),
        pick=st.integers(min_value=0, max_value=99),
        data=st.dictionaries(st.sampled_from(names), values, max_size=5),
    )
    def probe(route, role, method, htmx, pick, data):
        pools = {**world, **{k: v for k, v in PATH_VALUES.items() if k not in world}}
        path = route.path({n: path_value(c, n, pick, pools) for c, n in route.params})
        fuzzer.send(role, method, path, data, htmx=htmx)

    probe()
    _report(capsys, "hypothesis", fuzzer, started)
    assert not fuzzer.failures, "\n".join(fuzzer.failures)

"""Shared fixtures: the in-process sandbox, a connected organisation, and personas.

Personas (owner, admin, finance, member in ``organisation``; outsider in another one)
follow healthchecks' test style. Every database test may touch both the console and
the sandbox databases.

The two sandbox accounts the fixtures use are seeded **once per test run**, right after
the test databases are created; each test runs in a transaction that is rolled back, so
every test starts from the same seeded state. A transactional test (``transaction=True``,
the browser and worker tests) empties the databases when it ends, so those fixtures seed
again when they find the account gone.
"""

from __future__ import annotations

import os

import pytest
from django.test import Client

from apps.accounts.roles import Role
from apps.sandbox.models import Account
from apps.sandbox.seed import SeedOptions, management_secret, seed_account
from tests.catalog.fixtures import catalog, replayed_catalog_upstream  # noqa: F401 (fixtures)
from tests.factories import SANDBOX_BASE_URL, MembershipFactory, OrganisationFactory, UserFactory

TEST_ACCOUNT = SeedOptions(
    account_id="org_test0000000000000000000001",
    name="Test Org",
    keys=8,
    days=35,
    workspaces=3,
    credits=100.0,
)
OTHER_ACCOUNT = SeedOptions(
    account_id="org_test0000000000000000000002",
    name="Other Org",
    seed=9,
    keys=3,
    days=10,
    workspaces=1,
    credits=20.0,
)

_skipped: list[str] = []


def pytest_collection_modifyitems(config, items):
    # Every database test gets the sandbox database too.
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None and "databases" not in marker.kwargs:
            item.add_marker(
                pytest.mark.django_db(*marker.args, databases="__all__", **marker.kwargs)
            )


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    # Under CI a skipped test is a failure: nothing may pass by not running.
    if os.environ.get("CI", "").lower() == "true" and _skipped:
        session.exitstatus = 1
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"CI=true: {len(_skipped)} skipped test(s) count as failures:", red=True
            )
            for nodeid in _skipped:
                reporter.write_line(f"  {nodeid}", red=True)


@pytest.fixture(autouse=True)
def _in_process_sandbox(settings):
    """The gateway reaches the sandbox through httpx's WSGI transport: no sockets."""
    # Personas log in with a password: a deliberately slow hash would cost a second a test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.OPENROUTER_TRANSPORT = "wsgi"
    settings.OPENROUTER_BASE_URL = SANDBOX_BASE_URL
    settings.SANDBOX_TIMEOUT_SECONDS = 0.05


@pytest.fixture(autouse=True)
def gateway_sleeps(monkeypatch) -> list[float]:
    """Retries do not really wait in tests; the waits asked for are recorded instead."""
    waits: list[float] = []
    monkeypatch.setattr("apps.gateway.core.sleep", waits.append)
    return waits


@pytest.fixture
def upstream_calls(monkeypatch) -> list[int]:
    """Counts real upstream attempts (retries included)."""
    from apps.gateway import core

    calls: list[int] = []
    real = core._attempt

    def counting(creds, operation):
        calls.append(1)
        return real(creds, operation)

    monkeypatch.setattr(core, "_attempt", counting)
    return calls


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed the sandbox accounts once, into the freshly created test databases."""
    with django_db_blocker.unblock():
        for options in (TEST_ACCOUNT, OTHER_ACCOUNT):
            seed_account(options)


def seeded(options: SeedOptions) -> tuple[Account, str]:
    """``(account, management secret)``: the session's seed, or a new one after a flush."""
    account = Account.objects.filter(id=options.account_id).first()
    if account is None:
        return seed_account(options)
    return account, management_secret(options.account_id, options.seed)


@pytest.fixture
def sandbox_account(db):
    """A small seeded sandbox account: returns ``(account, management_secret)``."""
    return seeded(TEST_ACCOUNT)


@pytest.fixture
def upstream_fault(sandbox_account):
    """``upstream_fault("503")``: every sandbox request of the account fails that way."""
    account, _secret = sandbox_account

    def set_fault(spec: str) -> None:
        Account.objects.filter(pk=account.pk).update(fault=spec)

    return set_fault


@pytest.fixture
def other_sandbox_account(db):
    return seeded(OTHER_ACCOUNT)


@pytest.fixture
def organisation(sandbox_account):
    _account, secret = sandbox_account
    org = OrganisationFactory(name="Acme", slug="acme")
    org.management_key = secret
    org.management_key_label = "sk-or-v1-abc...123"
    org.save()
    return org


@pytest.fixture
def other_organisation(other_sandbox_account):
    _account, secret = other_sandbox_account
    org = OrganisationFactory(name="Globex", slug="globex")
    org.management_key = secret
    org.save()
    return org


def _member(organisation, role, email):
    return MembershipFactory(
        organisation=organisation, role=role, user=UserFactory(email=email)
    ).user


@pytest.fixture
def owner(organisation):
    return _member(organisation, Role.OWNER, "owner@acme.test")


@pytest.fixture
def admin(organisation):
    return _member(organisation, Role.ADMIN, "admin@acme.test")


@pytest.fixture
def finance(organisation):
    return _member(organisation, Role.FINANCE, "finance@acme.test")


@pytest.fixture
def member(organisation):
    return _member(organisation, Role.MEMBER, "member@acme.test")


@pytest.fixture
def outsider(other_organisation):
    return _member(other_organisation, Role.OWNER, "outsider@globex.test")


@pytest.fixture
def client_for():
    """``client_for(user)``: a test client signed in as ``user``."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make

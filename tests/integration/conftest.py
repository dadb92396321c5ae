"""Fixtures shared by the tests that run real Celery processes."""

from __future__ import annotations

import pytest
from celery import Celery

from tests.integration.test_celery_worker import REDIS_URL


@pytest.fixture
def sender(monkeypatch) -> Celery:
    """A Celery app that publishes to the test broker.

    Celery prefers the ``CELERY_BROKER_URL`` variable to ``broker=`` (CI sets it to another
    Redis database), so the variable is pointed at the test broker too.
    """
    monkeypatch.setenv("CELERY_BROKER_URL", REDIS_URL)
    # Not the current app: as that, it would take every later test's ``task.delay()`` in
    # this process (shared tasks follow the current app) to this broker, never to run.
    return Celery("itest", broker=REDIS_URL, set_as_current=False)

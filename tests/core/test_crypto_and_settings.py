"""Encryption at rest, key rotation, and production settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from apps.accounts.models import Organisation
from apps.core import crypto
from tests.factories import OrganisationFactory

ROOT = Path(__file__).resolve().parents[2]
SECRET = "sk-or-v1-" + "b" * 64


def _raw_key(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT management_key FROM accounts_organisation WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_rotation_re_encrypts_with_the_newest_key(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    org = OrganisationFactory()
    org.management_key = SECRET
    org.save()
    token_before = _raw_key(org.pk)
    assert SECRET not in token_before
    settings.FIELD_ENCRYPTION_KEYS = [new, old]  # newest first
    assert Organisation.objects.get(pk=org.pk).management_key.reveal() == SECRET
    call_command("rotate_encryption_keys", stdout=open(os.devnull, "w"))  # noqa: SIM115
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key can now be dropped
    assert Organisation.objects.get(pk=org.pk).management_key.reveal() == SECRET
    assert _raw_key(org.pk) != token_before


def test_a_wrong_key_gives_a_clear_error(settings):
    token = crypto.encrypt("x")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(Exception, match="cannot be decrypted"):
        crypto.decrypt(token)


def _django(env: dict, *args: str) -> subprocess.CompletedProcess:
    # Only what the test sets: CI's and the e2e suite's variables must not leak in.
    dropped = {
        "DEBUG",
        "FIELD_ENCRYPTION_KEYS",
        "SECRET_KEY",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "CACHE_URL",
    }
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "prod-" + "x7Gq2LmZ9vR4tY8wK1pN5sD3fH6jB0cV" * 2,
    "FIELD_ENCRYPTION_KEYS": "ZGV2ZWxvcG1lbnQtb25seS1maWVsZC1rZXktMDAwMDA=",
    "ALLOWED_HOSTS": "console.example.com",
    "SANDBOX_ENABLED": "false",
    "OPENROUTER_BASE_URL": "https://openrouter.ai/api/v1",
}


def test_check_deploy_is_clean_with_production_settings():
    result = _django(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_missing_encryption_keys_in_production_is_a_clear_startup_error():
    env = {**PRODUCTION, "FIELD_ENCRYPTION_KEYS": ""}
    result = _django(env, "check")
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS must be set" in result.stderr


def test_missing_secret_key_in_production_is_a_clear_startup_error():
    env = {**PRODUCTION, "SECRET_KEY": ""}
    result = _django(env, "check")
    assert "SECRET_KEY must be set" in result.stderr

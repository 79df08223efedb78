"""Configuration at cold start and secrets at run time (shared/config.py): each function refuses
to start without a variable it needs, naming it, and starts without those it does not need; the
secrets are read from Secrets Manager, and a value changed there is read once the cache's age
has passed (key rotation)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _import_handler(module: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Import a handler in a fresh interpreter, as a cold start does."""
    return subprocess.run([sys.executable, "-c", f"import {module}"], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def _env_without(*names: str) -> dict[str, str]:
    env = {**os.environ, "APP_SECRET_ID": "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:app-Ab12Cd",
           "TRACKING_KEY_SECRET_ID": "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:keys-Ab12Cd"}
    for name in names:
        env.pop(name, None)
    return env


def test_a_function_refuses_to_start_without_a_variable_it_needs_and_names_it(moto_endpoint):
    started = _import_handler("functions.tracking.app", _env_without("TRACKING_KEY_SECRET_ID"))

    assert started.returncode != 0
    assert "MissingConfiguration: missing environment variable(s) TRACKING_KEY_SECRET_ID" in started.stderr


def test_a_function_starts_without_the_variables_only_other_functions_need(moto_endpoint):
    """The tracking function has no cursor secret, no files bucket, no user pool: none is asked of it."""
    started = _import_handler("functions.tracking.app", _env_without("APP_SECRET_ID", "FILES_BUCKET", "USER_POOL_ID"))

    assert started.returncode == 0, started.stderr


def test_every_missing_variable_is_named_at_once(monkeypatch):
    from shared.config import MissingConfiguration, require

    monkeypatch.setenv("TABLE_NAME", "crm-test")
    monkeypatch.delenv("CRM_TEST_UNSET_A", raising=False)
    monkeypatch.setenv("CRM_TEST_UNSET_B", "  ")  # blank is missing
    with pytest.raises(MissingConfiguration, match="CRM_TEST_UNSET_A, CRM_TEST_UNSET_B"):
        require("TABLE_NAME", "CRM_TEST_UNSET_A", "CRM_TEST_UNSET_B")


@pytest.fixture
def secrets_manager(moto_endpoint):
    import boto3

    return boto3.client("secretsmanager")


@pytest.fixture
def clock(monkeypatch):
    """The secrets cache's clock, set by the test, from an empty cache (emptied again after it)."""
    from shared import config

    now = [1000.0]
    monkeypatch.setattr(config, "monotonic", lambda: now[0])
    config._fetched.clear()
    yield now
    config._fetched.clear()


def _rotated(secrets_manager, variable: str, change):
    """Put the secret's value changed by `change`; give back the value it had."""
    secret_id = os.environ[variable]
    before = json.loads(secrets_manager.get_secret_value(SecretId=secret_id)["SecretString"])
    secrets_manager.put_secret_value(SecretId=secret_id, SecretString=json.dumps(change(before)))
    return before


def test_a_rotated_tracking_key_is_read_after_the_cache_age_and_old_tokens_still_verify(secrets_manager, clock):
    from shared.config import SECRET_MAX_AGE_SECONDS, tracking_keyring
    from shared.domain import tracking

    signing_before = tracking_keyring().current.id
    token = tracking.sign(tracking_keyring(), tracking.KIND_OPEN, "tenant-a", "01JAAAAAAAAAAAAAAAAAAAAAAA")
    new_key = "cm90YXRlZC10cmFja2luZy1rZXktMDEyMzQ1Njc4OWFi"
    before = _rotated(secrets_manager, "TRACKING_KEY_SECRET_ID", lambda keys: {"k9": new_key, **keys})
    try:
        assert tracking_keyring().current.id == signing_before  # cached
        clock[0] += SECRET_MAX_AGE_SECONDS - 1
        assert tracking_keyring().current.id == signing_before  # still cached
        clock[0] += 1
        assert tracking_keyring().current.id == "k9"
        assert tracking.verify(tracking_keyring(), tracking.KIND_OPEN, token).email_id == "01JAAAAAAAAAAAAAAAAAAAAAAA"
    finally:
        secrets_manager.put_secret_value(SecretId=os.environ["TRACKING_KEY_SECRET_ID"], SecretString=json.dumps(before))


def test_a_changed_cursor_secret_is_read_after_the_cache_age(secrets_manager, clock):
    from shared.config import CONFIG, SECRET_MAX_AGE_SECONDS

    secret_before = CONFIG.cursor_secret
    before = _rotated(secrets_manager, "APP_SECRET_ID",
                      lambda value: {**value, "cursor_secret": "rotated-cursor-secret-0123"})
    try:
        assert CONFIG.cursor_secret == secret_before  # cached
        clock[0] += SECRET_MAX_AGE_SECONDS
        assert CONFIG.cursor_secret == b"rotated-cursor-secret-0123"
    finally:
        secrets_manager.put_secret_value(SecretId=os.environ["APP_SECRET_ID"], SecretString=json.dumps(before))


def test_the_tracking_function_reads_its_keys_without_importing_boto3_or_powertools(moto_endpoint):
    """Its cold start is budgeted at 1.1 × a bare boto3 client's (bench/coldstart.py): its key is
    read with a botocore client of the table's own session, neither through Powertools nor boto3."""
    probe = ("import sys, functions.tracking.app\nfrom shared.config import tracking_keyring\n"
             "assert tracking_keyring().current.id\n"
             "print(sorted({name.split('.')[0] for name in sys.modules} & {'boto3', 'aws_lambda_powertools'}))")
    started = subprocess.run([sys.executable, "-c", probe], env=dict(os.environ), cwd=ROOT, capture_output=True,
                             text=True, timeout=120)

    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == ["[]"]

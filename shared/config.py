"""Configuration, read from the environment once per cold start, and the secrets, read from
Secrets Manager at run time.

Each function names the variables it needs (`require`, at the top of functions/<name>/app.py)
and refuses to start without them, naming the missing one; the rest are optional here. The
secrets' values never sit in the environment: it holds their ARNs (APP_SECRET_ID,
TRACKING_KEY_SECRET_ID), and the values are fetched on first use and cached for
SECRET_MAX_AGE_SECONDS, so a rotated key reaches warm functions too.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from time import monotonic
from typing import TYPE_CHECKING

from shared.domain.send_limits import DEFAULT_MAX_SEND_RATE

if TYPE_CHECKING:
    from shared.domain.tracking import Keyring

# How long a secret's value is reused before Secrets Manager is asked again: a rotated key is in
# use everywhere within this time (keep the old key in the secret at least this long).
SECRET_MAX_AGE_SECONDS = 300


class MissingConfiguration(RuntimeError):
    """A variable the function needs is not set: it fails at cold start, not on a request."""


def require(*names: str) -> None:
    """Refuse to start (at import of the function's handler) without each of `names` set."""
    missing = [name for name in names if not os.environ.get(name, "").strip()]
    if missing:
        raise MissingConfiguration(f"missing environment variable(s) {', '.join(missing)}: "
                                   "template.yaml sets them on this function")


def secret_fields(variable: str) -> dict[str, str]:
    """The JSON secret whose ARN the environment `variable` holds: one GetSecretValue per
    SECRET_MAX_AGE_SECONDS, with the process's bare Secrets Manager client (shared.aws).

    Not Powertools parameters (get_secret with max_age would do the same): importing it, and the
    boto3 it imports, cost 0.13 × the cold-start baseline (bench/coldstart.py: import boto3 and a
    client's first GetItem) of every function reading a secret, 0.077 s of CPU beside 0.585 s, so
    neither the API functions' 1.3 × nor the tracking function's 1.1 × bound was in reach with it.
    """
    secret_id = os.environ[variable]
    fetched = _fetched.get(secret_id)
    now = monotonic()
    if fetched is None or now - fetched[0] >= SECRET_MAX_AGE_SECONDS:
        from shared.aws import client

        fetched = _fetched[secret_id] = (now, json.loads(client("secretsmanager").get_secret_value(
            SecretId=secret_id)["SecretString"]))
    return fetched[1]


_fetched: dict[str, tuple[float, dict[str, str]]] = {}  # secret ARN → (when, its JSON fields)


@dataclass(frozen=True)
class Config:
    table_name: str
    region: str
    # scheme://host of the tracking routes (/t/o, /t/c) as recipients reach them
    tracking_base_url: str
    ses_configuration_set: str
    # messages a second this process sends through SES at most (the account's MaxSendRate)
    ses_max_send_rate: float
    # Secrets Manager name prefix of the users' SMTP passwords
    mailbox_secret_prefix: str
    # only the local stack and tests may point an SMTP mailbox at loopback/private addresses
    allow_private_smtp_hosts: bool
    # extra CA bundle for SMTP servers with a private CA (local stack, tests); None: system store
    smtp_ca_file: str | None
    schedule_group: str
    scheduler_role_arn: str
    scheduled_send_arn: str
    # SNS topics whose deliveries POST /webhooks/ses accepts
    mail_event_topic_arns: frozenset[str]
    # certificate URL → local PEM file, trusted without fetching (only the local stack sets it)
    sns_certificate_pins: dict[str, str]
    # received mail: SES stores it in this bucket; `{tenant}@{inbound_domain}` is a tenant's address
    inbound_bucket: str
    inbound_domain: str
    # the SQS queue of bulk-action and import jobs (functions/bulk_worker reads it)
    bulk_queue_url: str
    # the SQS queue of export jobs (functions/export_worker reads it)
    export_queue_url: str
    # exports (exports/…, deleted after 2 days) and uploaded imports (imports/…)
    files_bucket: str
    # scheme://host of the API as users reach it (download links in notification mails)
    api_base_url: str
    # the sender of the product's own notification mails (an export is ready)
    notify_from: str
    # the web console's origin (https://host[:port]), the one browser origin the API answers CORS
    # for (shared/http.py); empty: none
    console_origin: str
    # the stack's Cognito user pool and app client (the audience of the ID tokens the API accepts);
    # empty where a function does not use them
    user_pool_id: str
    user_pool_client_id: str
    member_pool_id: str  # member groups' logins: a pool apart from the team's
    member_pool_client_id: str
    # where clients reach Cognito: the emulator locally (the standard AWS_ENDPOINT_URL_COGNITO_IDP,
    # else AWS_ENDPOINT_URL), None in AWS (the regional endpoint)
    cognito_endpoint: str | None

    @property
    def cursor_secret(self) -> bytes:
        """The HMAC key of pagination cursors: AppSecret's `cursor_secret` (APP_SECRET_ID)."""
        secret = secret_fields("APP_SECRET_ID").get("cursor_secret", "")
        if len(secret) < 16:
            raise MissingConfiguration("the secret APP_SECRET_ID names needs a cursor_secret of at least 16 characters")
        return secret.encode()


def _load() -> Config:
    env = os.environ
    return Config(
        table_name=env.get("TABLE_NAME", "crm-local"),
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "ap-northeast-1",
        tracking_base_url=env.get("TRACKING_BASE_URL", "").rstrip("/"),
        ses_configuration_set=env.get("SES_CONFIGURATION_SET", ""),
        ses_max_send_rate=float(env.get("SES_MAX_SEND_RATE") or DEFAULT_MAX_SEND_RATE),
        mailbox_secret_prefix=env.get("MAILBOX_SECRET_PREFIX", "crm/mailbox"),
        allow_private_smtp_hosts=env.get("ALLOW_PRIVATE_SMTP_HOSTS", "false") == "true",
        smtp_ca_file=env.get("SMTP_CA_FILE") or None,
        schedule_group=env.get("SCHEDULE_GROUP", "default"),
        scheduler_role_arn=env.get("SCHEDULER_ROLE_ARN", ""),
        scheduled_send_arn=env.get("SCHEDULED_SEND_ARN", ""),
        mail_event_topic_arns=frozenset(arn.strip() for arn in env.get("MAIL_EVENT_TOPIC_ARNS", "").split(",")
                                        if arn.strip()),
        inbound_bucket=env.get("INBOUND_BUCKET", ""),
        inbound_domain=env.get("INBOUND_DOMAIN", "").lower(),
        bulk_queue_url=env.get("BULK_QUEUE_URL", ""),
        export_queue_url=env.get("EXPORT_QUEUE_URL", ""),
        files_bucket=env.get("FILES_BUCKET", ""),
        api_base_url=env.get("API_BASE_URL", "").rstrip("/"),
        notify_from=env.get("NOTIFY_FROM", ""),
        console_origin=env.get("CONSOLE_ORIGIN", "").strip(),
        user_pool_id=env.get("USER_POOL_ID", ""),
        user_pool_client_id=env.get("USER_POOL_CLIENT_ID", ""),
        member_pool_id=env.get("MEMBER_POOL_ID", ""),
        member_pool_client_id=env.get("MEMBER_POOL_CLIENT_ID", ""),
        cognito_endpoint=env.get("AWS_ENDPOINT_URL_COGNITO_IDP") or env.get("AWS_ENDPOINT_URL") or None,
        sns_certificate_pins=dict(pin.split("=", 1) for pin in env.get("SNS_CERTIFICATE_PINS", "").split(";")
                                  if "=" in pin),
    )


CONFIG = _load()


def tracking_keyring() -> Keyring:
    """The tracking token keys: TrackingKeySecret's fields (TRACKING_KEY_SECRET_ID), id → base64
    key; the first one signs, all of them verify, so rotation puts the new key first
    ({"k2": …, "k1": …}) and drops the old one once no sent mail needs it."""
    return _keyring(tuple(secret_fields("TRACKING_KEY_SECRET_ID").items()))


@cache
def _keyring(keys: tuple[tuple[str, str], ...]) -> Keyring:
    """Parsed once per value of the secret."""
    from shared.domain.tracking import Keyring

    return Keyring.from_config(",".join(f"{key_id}:{secret}" for key_id, secret in keys))

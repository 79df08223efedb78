"""Configuration, read from the environment once per cold start.

Every function gets the table and the cursor secret; the mail settings are set only on the
functions that send or track mail (template.yaml), so they are optional here and checked
where they are used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

from shared.domain.send_limits import DEFAULT_MAX_SEND_RATE


@dataclass(frozen=True)
class Config:
    table_name: str
    cursor_secret: bytes
    region: str
    # "k2:<base64>,k1:<base64>": the first key signs tracking tokens, all of them verify
    tracking_keys: str
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


def _load() -> Config:
    env = os.environ
    secret = env.get("CURSOR_SECRET", "")
    if len(secret) < 16:
        raise RuntimeError("CURSOR_SECRET must be set to at least 16 characters")
    return Config(
        table_name=env.get("TABLE_NAME", "crm-local"),
        cursor_secret=secret.encode(),
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "ap-northeast-1",
        tracking_keys=env.get("TRACKING_KEYS", ""),
        tracking_base_url=env.get("TRACKING_BASE_URL", "").rstrip("/"),
        ses_configuration_set=env.get("SES_CONFIGURATION_SET", ""),
        ses_max_send_rate=float(env.get("SES_MAX_SEND_RATE") or DEFAULT_MAX_SEND_RATE),
        mailbox_secret_prefix=env.get("MAILBOX_SECRET_PREFIX", "crm/mailbox"),
        allow_private_smtp_hosts=env.get("ALLOW_PRIVATE_SMTP_HOSTS", "false") == "true",
        smtp_ca_file=env.get("SMTP_CA_FILE") or None,
        schedule_group=env.get("SCHEDULE_GROUP", "default"),
        scheduler_role_arn=env.get("SCHEDULER_ROLE_ARN", ""),
        scheduled_send_arn=env.get("SCHEDULED_SEND_ARN", ""),
        mail_event_topic_arns=frozenset(arn.strip() for arn in env.get("MAIL_EVENT_TOPIC_ARNS", "").split(",") if arn.strip()),
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
        sns_certificate_pins=dict(pin.split("=", 1) for pin in env.get("SNS_CERTIFICATE_PINS", "").split(";") if "=" in pin),
    )


CONFIG = _load()


@cache
def tracking_keyring():
    """The tracking token keys, parsed on first use (only the mail functions have them)."""
    from shared.domain.tracking import Keyring

    return Keyring.from_config(CONFIG.tracking_keys)

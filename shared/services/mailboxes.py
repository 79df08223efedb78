"""The user's own SMTP server (PUT/GET/DELETE /v1/me/mailbox). The password goes to Secrets
Manager, one secret per user, and is never answered; the table keeps the rest and the
secret's name."""

from __future__ import annotations

import hashlib
from typing import Any

from shared.aws import client
from shared.config import CONFIG
from shared.db import emails as repository
from shared.domain import mailbox as mailbox_rules
from shared.domain import validation
from shared.domain.access import Principal
from shared.errors import NotFound, TransportFailed


def _secret_name(principal: Principal) -> str:
    """Secret names allow only a few punctuation characters, so the tenant and user are hashed."""
    digest = hashlib.sha256(f"{principal.tenant}\0{principal.user_id}".encode()).hexdigest()[:40]
    return f"{CONFIG.mailbox_secret_prefix}/{digest}"


def _store_password(name: str, password: str) -> None:
    secrets = client("secretsmanager")
    try:
        secrets.put_secret_value(SecretId=name, SecretString=password)
    except secrets.exceptions.ResourceNotFoundException:
        secrets.create_secret(Name=name, SecretString=password, Description="SMTP password of one CRM user")


def password(mailbox: dict[str, Any]) -> str:
    """The stored password; TransportFailed if it cannot be read (the send is then `failed`)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return client("secretsmanager").get_secret_value(SecretId=mailbox["secret_id"])["SecretString"]
    except (BotoCoreError, ClientError, KeyError):
        raise TransportFailed("The password of your mailbox could not be read; set it again (PUT /v1/me/mailbox).") from None


def _not_set() -> NotFound:
    return NotFound("You have not set up a mailbox; PUT /v1/me/mailbox with your SMTP server first.")


def put(principal: Principal, body: Any) -> dict[str, Any]:
    stored = repository.get_mailbox(principal.tenant, principal.user_id)
    settings = mailbox_rules.parse_mailbox(body, has_password=stored is not None,
                                           allow_private_hosts=CONFIG.allow_private_smtp_hosts)
    name = _secret_name(principal)
    if settings.password is not None:
        _store_password(name, settings.password)
    repository.put_mailbox(principal.tenant, principal.user_id, {
        "host": settings.host, "port": settings.port, "security": settings.security, "username": settings.username,
        "secret_id": name, "updated_at": validation.now(),
    })
    return mailbox_rules.public_mailbox(settings, password_set=True)


def get(principal: Principal) -> dict[str, Any]:
    stored = repository.get_mailbox(principal.tenant, principal.user_id)
    if stored is None:
        raise _not_set()
    return mailbox_rules.public_mailbox(settings_of(stored), password_set=True)


def settings_of(stored: dict[str, Any]) -> mailbox_rules.MailboxSettings:
    return mailbox_rules.MailboxSettings(host=stored["host"], port=int(stored["port"]), security=stored["security"],
                                         username=stored["username"])


def delete(principal: Principal) -> None:
    stored = repository.get_mailbox(principal.tenant, principal.user_id)
    if stored is None:
        raise _not_set()
    repository.delete_mailbox(principal.tenant, principal.user_id)
    client("secretsmanager").delete_secret(SecretId=stored["secret_id"], ForceDeleteWithoutRecovery=True)

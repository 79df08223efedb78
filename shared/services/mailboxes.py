"""The user's own SMTP server (PUT/GET/DELETE /v1/me/mailbox, and POST /v1/me/mailbox/test before
saving). The password goes to Secrets Manager, one secret per user, and is never answered; the
table keeps the rest and the secret's name."""

from __future__ import annotations

import hashlib
from typing import Any

from shared.aws import client
from shared.config import CONFIG
from shared.db import emails as repository
from shared.db import members
from shared.domain import mailbox as mailbox_rules
from shared.domain import validation
from shared.domain.access import Principal
from shared.domain.ids import new_id
from shared.errors import NotFound, TransportFailed, ValidationFailed


def _new_secret_name(principal: Principal) -> str:
    """A name no secret had before: a secret deleted with the mailbox keeps its name for a while
    (Secrets Manager deletes in the background, and CreateSecret on that name fails meanwhile:
    https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html), so a
    mailbox set up again gets a new secret. Names allow only a few punctuation characters, so
    the tenant and user are hashed."""
    digest = hashlib.sha256(f"{principal.tenant}\0{principal.user_id}".encode()).hexdigest()[:40]
    return f"{CONFIG.mailbox_secret_prefix}/{digest}/{new_id()}"


def _store_password(principal: Principal, stored: dict[str, Any] | None, password: str) -> str:
    """Keep the password in the mailbox's secret (a new one for a new mailbox, or when the old
    one is gone); the secret's name."""
    secrets = client("secretsmanager")
    if stored is not None:
        try:
            secrets.put_secret_value(SecretId=stored["secret_id"], SecretString=password)
            return stored["secret_id"]
        except secrets.exceptions.ResourceNotFoundException:
            pass
    name = _new_secret_name(principal)
    secrets.create_secret(Name=name, SecretString=password, Description="SMTP password of one CRM user")
    return name


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
    name = stored["secret_id"] if settings.password is None else _store_password(principal, stored, settings.password)
    now = validation.now()
    repository.put_mailbox(principal.tenant, principal.user_id, {
        "host": settings.host, "port": settings.port, "security": settings.security, "username": settings.username,
        "secret_id": name, "updated_at": now,
    })
    if principal.email:  # the verified address the user's own mail goes out from: theirs is Bcc'd mail from it
        members.remember(principal.tenant, principal.email, principal.user_id, principal.name, now)
    return mailbox_rules.public_mailbox(settings, password_set=True)


def check_connection(principal: Principal, body: Any) -> dict[str, Any]:
    """Logs in to the SMTP server of `body` (PUT's body, checked as PUT checks it; the stored
    password when it gives none) and quits, storing nothing. 422 naming what failed."""
    from shared import smtp_transport

    stored = repository.get_mailbox(principal.tenant, principal.user_id)
    settings = mailbox_rules.parse_mailbox(body, has_password=stored is not None,
                                           allow_private_hosts=CONFIG.allow_private_smtp_hosts)
    try:
        secret = password(stored) if settings.password is None else settings.password
        smtp_transport.check(settings, secret, allow_private_hosts=CONFIG.allow_private_smtp_hosts,
                             ca_file=CONFIG.smtp_ca_file)
    except TransportFailed as failed:
        raise ValidationFailed(f"The connection test failed: {failed}") from None
    return {"ok": True}


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

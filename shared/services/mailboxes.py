"""The user's own mail servers (PUT/GET/DELETE /v1/me/mailbox, POST /v1/me/mailbox/test before
saving, POST /v1/me/mailbox/sync): the SMTP server and, when linked, the IMAP mailbox the sync
reads. Each password goes to Secrets Manager, one secret per server, and is never answered; the
table keeps the rest and the secrets' names."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, cast

from shared.aws import client
from shared.config import CONFIG
from shared.db import emails as repository
from shared.db import members
from shared.domain import mailbox as mailbox_rules
from shared.domain import validation
from shared.domain.access import Principal
from shared.domain.ids import new_id
from shared.errors import NotFound, TransportFailed, ValidationFailed

if TYPE_CHECKING:
    from shared.domain.entities import Mailbox


def _new_secret_name(principal: Principal) -> str:
    """A name no secret had before: a secret deleted with the mailbox keeps its name for a while
    (Secrets Manager deletes in the background, and CreateSecret on that name fails meanwhile:
    https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html), so a
    mailbox set up again gets a new secret. Names allow only a few punctuation characters, so
    the tenant and user are hashed."""
    digest = hashlib.sha256(f"{principal.tenant}\0{principal.user_id}".encode()).hexdigest()[:40]
    return f"{CONFIG.mailbox_secret_prefix}/{digest}/{new_id()}"


def _store_password(principal: Principal, secret_id: str | None, password: str, description: str) -> str:
    """Keep the password in its secret (a new one for a new server, or when the old one is
    gone); the secret's name."""
    secrets = client("secretsmanager")
    if secret_id is not None:
        try:
            replace_secret(secret_id, password)
            return secret_id
        except secrets.exceptions.ResourceNotFoundException:
            pass
    name = _new_secret_name(principal)
    secrets.create_secret(Name=name, SecretString=password, Description=description)
    return name


def replace_secret(secret_id: str, secret: str) -> None:
    """A stored secret's new value (an OAuth2 refresh token the provider rotated)."""
    client("secretsmanager").put_secret_value(SecretId=secret_id, SecretString=secret)


def _delete_secret(secret_id: str) -> None:
    client("secretsmanager").delete_secret(SecretId=secret_id, ForceDeleteWithoutRecovery=True)


_IMAP_ACCOUNT = ("imap_host", "imap_port", "imap_username")
_IMAP_LOGIN = ("imap_security", "imap_secret_id", "imap_oauth2")
_IMAP_STATE = ("imap_folders", "last_synced_at", "sync_status", "sync_error")


def _imap_fields(principal: Principal, stored: Mailbox | None,
                 update: mailbox_rules.MailboxUpdate) -> Mailbox:
    """The IMAP attributes the saved mailbox keeps: the stored ones when the body named no
    `imap`, none once it is unlinked, else the new settings, keeping the sync's checkpoints and
    state while they name the same account. (Built by attribute name: cast to the Mailbox keys.)"""
    stored = stored or {}
    kept = {name: stored.get(name) for name in (*_IMAP_ACCOUNT, *_IMAP_LOGIN, *_IMAP_STATE)}
    if update.imap is None:
        stored_secret = stored.get("imap_secret_id")
        if update.remove_imap and stored_secret:
            _delete_secret(stored_secret)
            return {}
        return cast("Mailbox", kept) if stored.get("imap_host") else {}
    imap = update.imap
    secret_id = stored.get("imap_secret_id") if imap.password is None else _store_password(
        principal, stored.get("imap_secret_id"), imap.password,
        "IMAP OAuth2 refresh token of one CRM user" if imap.oauth2 else "IMAP password of one CRM user")
    fields = {"imap_host": imap.host, "imap_port": imap.port, "imap_security": imap.security,
              "imap_username": imap.username, "imap_secret_id": secret_id,
              "imap_oauth2": mailbox_rules.oauth2_item(imap.oauth2)}
    same_account = all(kept[name] == fields[name] for name in _IMAP_ACCOUNT)
    return cast("Mailbox", {**fields, **({name: kept[name] for name in _IMAP_STATE} if same_account else {})})


def imap_auth(stored: Mailbox | None) -> str | None:
    """How the stored IMAP secret logs in ("password" or "oauth2"); None when none is stored."""
    if not stored or not stored.get("imap_secret_id"):
        return None
    return "oauth2" if stored.get("imap_oauth2") else "password"


def imap_settings(stored: Mailbox) -> mailbox_rules.MailboxSettings:
    """The stored IMAP settings (no secret) of a mailbox with IMAP linked: `put` stores them together."""
    host, port = stored.get("imap_host"), stored.get("imap_port")
    security, username = stored.get("imap_security"), stored.get("imap_username")
    if host is None or port is None or security is None or username is None:
        raise ValueError("the mailbox has no IMAP linked")
    return mailbox_rules.MailboxSettings(host=host, port=int(port), security=security, username=username,
                                         oauth2=mailbox_rules.stored_oauth2(stored.get("imap_oauth2")))


def password(mailbox: Mailbox) -> str:
    """The stored password; TransportFailed if it cannot be read (the send is then `failed`)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return cast(str, client("secretsmanager").get_secret_value(SecretId=mailbox["secret_id"])["SecretString"])
    except (BotoCoreError, ClientError, KeyError):
        raise TransportFailed("The password of your mailbox could not be read; "
                              "set it again (PUT /v1/me/mailbox).") from None


def _not_set() -> NotFound:
    return NotFound("You have not set up a mailbox; PUT /v1/me/mailbox with your SMTP server first.")


def put(principal: Principal, body: Any) -> dict[str, Any]:
    stored = repository.get_mailbox(principal.tenant, principal.user_id)
    update = mailbox_rules.parse_mailbox(body, has_password=stored is not None,
                                         allow_private_hosts=CONFIG.allow_private_smtp_hosts,
                                         imap_auth=imap_auth(stored))
    settings = update.smtp
    # no password given only when one is stored (parse_mailbox's `has_password`)
    name = cast("Mailbox", stored)["secret_id"] if settings.password is None else _store_password(
        principal, stored["secret_id"] if stored else None, settings.password, "SMTP password of one CRM user")
    now = validation.now()
    mailbox: Mailbox = {
        "host": settings.host, "port": settings.port, "security": settings.security, "username": settings.username,
        "secret_id": name, "updated_at": now, **_imap_fields(principal, stored, update),
    }
    repository.put_mailbox(principal.tenant, principal.user_id,
                           cast("Mailbox", {k: v for k, v in mailbox.items() if v is not None}))  # stored without nulls
    if principal.email:  # the verified address the user's own mail goes out from: theirs is Bcc'd mail from it
        members.remember(principal.tenant, principal.email, principal.user_id, principal.name, now)
    return _public(mailbox)


def check_connection(principal: Principal, body: Any) -> dict[str, Any]:
    """Logs in to the SMTP server of `body` (PUT's body, checked as PUT checks it; the stored
    password when it gives none) and quits, storing nothing. 422 naming what failed."""
    from shared import smtp_transport

    stored = repository.get_mailbox(principal.tenant, principal.user_id)
    settings = mailbox_rules.parse_mailbox(body, has_password=stored is not None,
                                           allow_private_hosts=CONFIG.allow_private_smtp_hosts).smtp
    try:
        secret = password(cast("Mailbox", stored)) if settings.password is None else settings.password
        smtp_transport.check(settings, secret, allow_private_hosts=CONFIG.allow_private_smtp_hosts,
                             ca_file=CONFIG.smtp_ca_file)
    except TransportFailed as failed:
        raise ValidationFailed(f"The connection test failed: {failed}") from None
    return {"ok": True}


def _public(stored: Mailbox) -> dict[str, Any]:
    """The mailbox as the API answers it: the SMTP settings, the IMAP ones (null when not
    linked) and the sync's state, never a password."""
    imap = mailbox_rules.public_imap(imap_settings(stored)) if stored.get("imap_host") else None
    return {**mailbox_rules.public_mailbox(settings_of(stored), password_set=True), "imap": imap,
            "last_synced_at": stored.get("last_synced_at"), "status": stored.get("sync_status"),
            "error": stored.get("sync_error")}


def get(principal: Principal) -> dict[str, Any]:
    stored = repository.get_mailbox(principal.tenant, principal.user_id)
    if stored is None:
        raise _not_set()
    return _public(stored)


def settings_of(stored: Mailbox) -> mailbox_rules.MailboxSettings:
    return mailbox_rules.MailboxSettings(host=stored["host"], port=int(stored["port"]), security=stored["security"],
                                         username=stored["username"])


# POST /v1/me/mailbox/sync reads for at most this long, well inside the 30 s an HTTP API waits
# for its integration (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html);
# the schedule reads the rest.
SYNC_NOW_SECONDS = 15.0


def sync_now(principal: Principal) -> dict[str, Any]:
    """A sync of the caller's IMAP mailbox now, bounded by SYNC_NOW_SECONDS; the mailbox after it."""
    import time

    from shared.services import mailbox_sync

    stored = repository.get_mailbox(principal.tenant, principal.user_id)
    if stored is None or not stored.get("imap_host"):
        raise NotFound("You have not linked a mailbox over IMAP; PUT /v1/me/mailbox with its imap settings first.")
    mailbox_sync.sync(principal.tenant, principal.user_id, time.monotonic() + SYNC_NOW_SECONDS)
    return get(principal)


def delete(principal: Principal) -> None:
    stored = repository.get_mailbox(principal.tenant, principal.user_id)
    if stored is None:
        raise _not_set()
    repository.delete_mailbox(principal.tenant, principal.user_id)
    for secret_id in (stored["secret_id"], stored.get("imap_secret_id")):
        if secret_id:
            _delete_secret(secret_id)

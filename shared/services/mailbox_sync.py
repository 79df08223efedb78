"""Mailbox sync: the messages of a user's own IMAP mailbox (inbox and Sent folder) filed in the
CRM as SES inbound files them (shared.services.inbound.receive_from_mailbox), so mail a rep
sends and receives in their mail software reaches their contacts' timelines (seed 004).

Each folder has a checkpoint, its UIDVALIDITY and the highest UID filed, stored only after every
message up to it is filed: a run cut short (a dropped connection, the deadline) loses nothing,
and what it filed past the checkpoint is filed once anyway, the filing being once per Message-ID
in the tenant. A changed UIDVALIDITY (the folder was rebuilt) reads the folder again, on that
same guarantee. Each run is bounded by its deadline and takes the folder in batches of
FETCH_BATCH messages, one IMAP round trip each.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from shared import oauth2_refresh
from shared.config import CONFIG
from shared.db import emails as repository
from shared.domain import mailbox as mailbox_rules
from shared.domain import validation
from shared.domain.mailbox import MailboxSettings
from shared.errors import TransportFailed
from shared.imap_transport import ImapFailed, session
from shared.observability import logger
from shared.services import inbound, mailboxes

if TYPE_CHECKING:
    from shared.domain.entities import Mailbox

FETCH_BATCH = 50
# A synced message is filed as a received one is (shared.services.inbound); bigger ones are left in the mailbox.
MAX_MESSAGE_BYTES = inbound.MAX_MESSAGE_BYTES
# A batch is begun only with this much time left before the deadline: a batch of FETCH_BATCH
# messages (the fetch and their filing) fits well within it.
BATCH_MARGIN_SECONDS = 10.0
# The sweep (MailboxSyncFunction, every 5 minutes) gives each mailbox at most this long, so one
# big mailbox cannot hold up the others; what is left is read by the next run.
MAILBOX_SECONDS = 60.0
SWEEP_MARGIN_SECONDS = 30.0  # the sweep starts no mailbox with less than this of its Lambda's time left
SWEEP_MAILBOXES = 1000


def _sync_folder(folder_session: Any, name: str, is_sent: bool, checkpoint: dict[str, Any] | None,
                 tenant: str, user_id: str, deadline: float,
                 save: Callable[[dict[str, int]], bool]) -> tuple[int, bool]:
    """Files the folder's new messages batch by batch, saving the checkpoint after each.
    (messages filed, whether the folder was read to its end)."""
    uidvalidity = folder_session.open_folder(name)
    last = int(checkpoint["uid"]) if checkpoint and int(checkpoint["uidvalidity"]) == uidvalidity else 0
    uids = folder_session.uids_after(last, MAX_MESSAGE_BYTES)
    filed = 0
    for start in range(0, len(uids), FETCH_BATCH):
        if time.monotonic() > deadline - BATCH_MARGIN_SECONDS:
            return filed, False
        batch = uids[start:start + FETCH_BATCH]
        for _, raw in folder_session.fetch(batch):
            filed += inbound.receive_from_mailbox(tenant, user_id, raw, sent=is_sent)["received"]
        if not save({"uidvalidity": uidvalidity, "uid": batch[-1]}):
            return filed, False  # the mailbox was changed or removed meanwhile
    if not uids and (checkpoint is None or last != int(checkpoint["uid"])):
        save({"uidvalidity": uidvalidity, "uid": last})
    return filed, True


def _login_secret(settings: MailboxSettings, secret_id: str, deadline: float) -> str:
    """What the IMAP login takes: the stored password, or for OAuth2 an access token the stored
    refresh token is traded for (a rotated refresh token is stored at once: the old one may
    already be spent)."""
    secret = mailboxes.password({"secret_id": secret_id})
    if settings.oauth2 is None:
        return secret
    client_secret, refresh_token = mailbox_rules.oauth2_credentials(secret)
    tokens = oauth2_refresh.access_token(settings.oauth2, client_secret, refresh_token, deadline=deadline,
                                         allow_private_hosts=CONFIG.allow_private_smtp_hosts,
                                         ca_file=CONFIG.smtp_ca_file)
    if tokens.refresh_token is not None:
        mailboxes.replace_secret(secret_id, mailbox_rules.oauth2_secret(client_secret, tokens.refresh_token))
    return tokens.access_token


def sync(tenant: str, user_id: str, deadline: float) -> dict[str, Any] | None:
    """One run for one user's mailbox until `deadline` (time.monotonic()); the mailbox's sync
    state afterwards ({"filed", "complete", "status", "error"}), None when it has no IMAP."""
    mailbox = repository.get_mailbox(tenant, user_id)
    if mailbox is None or not mailbox.get("imap_host"):
        return None
    folders = dict(mailbox["imap_folders"])
    account: Mailbox = {"imap_host": mailbox["imap_host"], "imap_port": mailbox["imap_port"],
                        "imap_username": mailbox["imap_username"]}

    def save(name: str, checkpoint: dict[str, int]) -> bool:
        folders[name] = checkpoint
        return repository.save_sync_state(tenant, user_id, account, folders=folders,
                                          status=mailbox.get("sync_status") or "ok", error=mailbox.get("sync_error"))

    filed, complete, error = 0, True, None
    try:
        settings = mailboxes.imap_settings(mailbox)
        secret_id = cast(str, mailbox["imap_secret_id"])  # linked with its host (mailboxes.put)
        with session(settings, _login_secret(settings, secret_id, deadline), deadline=deadline,
                     allow_private_hosts=CONFIG.allow_private_smtp_hosts, ca_file=CONFIG.smtp_ca_file) as imap:
            for name, is_sent in imap.folders():
                def save_folder(checkpoint: dict[str, int], name: str = name) -> bool:
                    return save(name, checkpoint)

                done, finished = _sync_folder(imap, name, is_sent, folders.get(name), tenant, user_id, deadline,
                                              save_folder)
                filed += done
                complete = complete and finished
                if not finished:
                    break
    except (ImapFailed, TransportFailed) as failed:
        error = str(failed)
        logger.warning("mailbox sync failed", extra={"tenant": tenant, "user_id": user_id, "error": error})
    status, now = ("error" if error else "ok"), validation.now()
    repository.save_sync_state(tenant, user_id, account, folders=folders, status=status, error=error,
                               attempted_at=now, synced_at=None if error else now)
    return {"filed": filed, "complete": complete and not error, "status": status, "error": error}


def sweep(remaining_ms: Callable[[], int]) -> dict[str, int]:
    """The scheduled run: the mailboxes with IMAP, least recently synced first, each for at most
    MAILBOX_SECONDS, while the Lambda has time left."""
    synced = filed = 0
    for tenant, user_id in repository.imap_mailboxes(SWEEP_MAILBOXES):
        left = remaining_ms() / 1000 - SWEEP_MARGIN_SECONDS
        if left <= BATCH_MARGIN_SECONDS:
            break
        result = sync(tenant, user_id, time.monotonic() + min(left, MAILBOX_SECONDS))
        if result is not None:
            synced += 1
            filed += result["filed"]
    return {"mailboxes": synced, "filed": filed}

"""One-to-one emails, their timeline entries and the users' SMTP mailboxes in the single table.

Every state change of an email is one conditional write on its `status` (scheduled → sending →
sent | failed, scheduled → cancelled), so two triggers, or a trigger and a cancel, can never
both win. docs/data-model.md lists the keys and indexes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.update import Action

from shared import indexes, keys
from shared.db import batches, templates, tenant_config
from shared.db import contacts as contact_store
from shared.db.activity_items import activity_model
from shared.db.contacts import contact_key
from shared.db.item_size import require_storable
from shared.db.models import (
    ContactItem,
    EmailItem,
    MailboxItem,
    ProcessedEventItem,
    TableItem,
    TemplateItem,
    TenantConfigItem,
    as_dict,
    index_sort_key,
)
from shared.db.reads import Page, query
from shared.db.transactions import Transaction, error_code
from shared.domain import outbound

if TYPE_CHECKING:
    from shared.domain.entities import Email, Mailbox

PROCESSED_EVENT_DAYS = 30  # SNS, EventBridge and S3 stop redelivering long before
_STATE_FIELDS = ("status", "updated_at", "sent_at", "send_at", "provider_message_id", "failure_reason")


def email_key(tenant: str, email_id: str) -> tuple[str, str]:
    return keys.email_pk(tenant, email_id), keys.EMAIL_SK


_MAPS = ("click_times", "recipient_states")
# The email's own fields: everything but the keys, the discriminator, the maps and the index keys.
_FIELDS = tuple(name for name in EmailItem.get_attributes()
                if name not in ("pk", "sk", "kind", *_MAPS) and not name.startswith("gsi"))


def email_of(item: EmailItem) -> Email:
    """The email as the services handle it: a plain dict of its fields."""
    values = {name: getattr(item, name) for name in _FIELDS}
    for name in _MAPS:
        value = getattr(item, name)
        values[name] = as_dict(value) if value is not None else {}
    return cast("Email", values)  # the item's attributes are Email's keys (tests/test_entities.py)


def _model(tenant: str, email: Email) -> EmailItem:
    pk, sk = email_key(tenant, email["email_id"])
    index_keys: dict[str, Any] = outbound.index_keys(tenant, email)
    return EmailItem(pk, sk, **email, **index_keys)


_MAILBOX_FIELDS = ("host", "port", "security", "username", "secret_id", "updated_at", "imap_host", "imap_port",
                   "imap_security", "imap_username", "imap_secret_id", "last_synced_at", "sync_status", "sync_error")


def _mailbox_of(item: MailboxItem) -> Mailbox:
    mailbox = {name: getattr(item, name) for name in _MAILBOX_FIELDS}
    mailbox["imap_folders"] = as_dict(item.imap_folders) if item.imap_folders is not None else {}
    mailbox["imap_oauth2"] = as_dict(item.imap_oauth2) if item.imap_oauth2 is not None else None
    return cast("Mailbox", mailbox)  # the item's attributes are Mailbox's keys (tests/test_entities.py)


@dataclass
class SendContext:
    """What sending needs, read in one BatchGetItem."""

    contact: dict[str, Any] | None
    contact_version: int | None
    config: tenant_config.TenantConfig
    parent: Email | None
    mailbox: Mailbox | None
    template: dict[str, Any] | None = None


def load_send_context(tenant: str, contact_id: str, parent_id: str | None, user_id: str | None,
                      template_id: str | None = None) -> SendContext:
    """The contact, the tenant config, the parent email of a reply, the sender's mailbox and the
    email's template, consistently, in one request."""
    wanted = [contact_key(tenant, contact_id), tenant_config.config_key(tenant)]
    if template_id:
        wanted.append(templates.template_key(tenant, template_id))
    if parent_id:
        wanted.append(email_key(tenant, parent_id))
    if user_id:
        wanted.append((keys.user_pk(tenant, user_id), keys.MAILBOX_SK))
    context = SendContext(None, None, tenant_config.from_item(tenant, None), None, None)
    config_item = None
    for item in batches.get(TableItem, wanted, consistent_read=True):
        if isinstance(item, ContactItem):
            context.contact, context.contact_version = as_dict(item.data), item.version
        elif isinstance(item, TenantConfigItem):
            config_item = item
        elif isinstance(item, EmailItem):
            context.parent = email_of(item)
        elif isinstance(item, MailboxItem):
            context.mailbox = _mailbox_of(item)
        elif isinstance(item, TemplateItem):
            context.template = templates.template_of(item)
    context.config = tenant_config.from_item(tenant, config_item)
    return context


def get(tenant: str, email_id: str) -> Email | None:
    try:
        return email_of(EmailItem.get(*email_key(tenant, email_id), consistent_read=True))
    except EmailItem.DoesNotExist:
        return None


def insert(tenant: str, email: Email) -> None:
    """Store a new email (its id is new: the condition only guards against a bug)."""
    require_fits(tenant, email).save(condition=EmailItem.pk.does_not_exist())


def insert_once(tenant: str, email: Email) -> Email | None:
    """Store a new email whose id was derived (an email of a bulk job to one contact), unless one
    with that id exists: None when stored, else the email stored before (sent or on its way)."""
    try:
        require_fits(tenant, email).save(condition=EmailItem.pk.does_not_exist())
    except PutError as error:
        if error_code(error) != "ConditionalCheckFailedException":
            raise
        return get(tenant, email["email_id"])
    return None


def require_fits(tenant: str, email: Email) -> EmailItem:
    """The email's item; 413 when it does not fit one item with the links it tracks."""
    return require_storable(_model(tenant, email), "The email is too large to store with the links it tracks; "
                            "link to large content instead of embedding it, or send fewer links.")


def _state_actions(tenant: str, email: Email) -> list[Any]:
    """Set the state fields and move the index keys to where the new state belongs."""
    actions = []
    for name, value in [*((name, email.get(name)) for name in _STATE_FIELDS),
                        *outbound.index_keys(tenant, email).items()]:
        attribute = getattr(EmailItem, name)
        actions.append(attribute.set(value) if value is not None else attribute.remove())
    return actions


def transition(tenant: str, email: Email, expected: str, *, due_by: str | None = None,
               unchanged_since: str | None = None) -> Email | None:
    """Write the email's new state if it is still `expected` (and, with `due_by`, due by then;
    with `unchanged_since`, not updated after then); the email as stored afterwards, or None
    when its state had moved on (or it is gone)."""
    condition = EmailItem.status == expected
    if due_by is not None:
        condition &= EmailItem.send_at <= due_by
    if unchanged_since is not None:
        condition &= EmailItem.updated_at <= unchanged_since
    item = EmailItem(*email_key(tenant, email["email_id"]))
    try:
        item.update(_state_actions(tenant, email), condition=condition)
    except UpdateError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            return None
        raise
    return email_of(item)


def complete_sent(
    tenant: str, contact_id: str, email: Email | None, activities: list[dict[str, Any]],
    contact_update: contact_store.ContactChange | None,
) -> None:
    """In one transaction: the email `sent` (it must still be `sending`, else ConditionFailed
    "message"; None: already recorded), timeline entries and the contact's new fields. `contact_update` is (contact,
    previous, version, config) or None. Raises ConditionFailed("contact"/"config") when the
    contact changed meanwhile: read it again and retry."""
    transaction = Transaction()
    if email is not None:
        transaction.update("message", EmailItem(*email_key(tenant, email["email_id"])), _state_actions(tenant, email),
                           condition=EmailItem.status == "sending")
        template_id = email.get("template_id")
        if template_id:
            templates.stage_count(transaction, tenant, template_id, "sent")
    for activity in activities:
        transaction.put("activity", activity_model(tenant, contact_id, activity))
    if contact_update is not None:
        contact, previous, version, config = contact_update
        contact_store.stage_save(transaction, tenant, contact, config, previous=previous, version=version)
    transaction.commit()


def _email_of_raw(raw: dict[str, Any]) -> Email:
    return email_of(EmailItem.from_raw_data(raw))


def folder_page(
    tenant: str, folder: str, sender_id: str | None, limit: int, start: dict[str, Any] | None,
) -> Page[Email]:
    """One page of a folder (scheduled: soonest first; others newest first), all of the
    tenant's or one sender's."""
    index = indexes.MAIL_FOLDER if sender_id is None else indexes.SENDER_MAIL_FOLDER
    raws, last = query(keys.mail_folder_pk(tenant, folder, sender_id), index=index,
                       limit=limit, start=start, forward=folder == "scheduled")
    return Page.of(raws, last, index, _email_of_raw)


def thread_page(tenant: str, thread_id: str, limit: int, start: dict[str, Any] | None) -> Page[Email]:
    """One page of a thread's emails, oldest first."""
    raws, last = query(keys.thread_pk(tenant, thread_id), index=indexes.EMAIL_THREAD, limit=limit,
                        start=start)
    return Page.of(raws, last, indexes.EMAIL_THREAD, _email_of_raw)


def due(now: str, limit: int = 1000) -> list[tuple[str, str]]:
    """(tenant, email id) of scheduled emails due by `now`, oldest first, across tenants."""
    return [(tenant, email["email_id"]) for tenant, email in _pending(keys.DUE_PK, now, limit)]


def sending_since(began_by: str, limit: int = 1000) -> list[tuple[str, Email]]:
    """(tenant, email) of emails `sending` since `began_by` or earlier, oldest first, across tenants."""
    return _pending(keys.SENDING_PK, began_by, limit)


def _pending(partition: str, by: str, limit: int) -> list[tuple[str, Email]]:
    """(tenant, email) of a GSI5 partition up to the time `by` (the index projects the whole email)."""
    raws, _ = query(partition, index_sort_key(EmailItem, indexes.EMAILS_DUE) <= f"{by}~", index=indexes.EMAILS_DUE,
                    limit=limit)
    sort_key = keys.index_key_names(indexes.EMAILS_DUE)[1]
    return [(raw[sort_key]["S"].rsplit("#", 2)[1], email_of(EmailItem.from_raw_data(raw))) for raw in raws]


# --- mailboxes --------------------------------------------------------------------------------

def get_mailbox(tenant: str, user_id: str) -> Mailbox | None:
    try:
        return _mailbox_of(MailboxItem.get(keys.user_pk(tenant, user_id), keys.MAILBOX_SK, consistent_read=True))
    except MailboxItem.DoesNotExist:
        return None


def _imap_sort_key(tenant: str, user_id: str, attempted_at: str | None) -> str:
    """The mailbox's place in @IMAP: never synced first, then the one whose last run is oldest."""
    return keys.pending_sk(attempted_at or "0", tenant, user_id)


def put_mailbox(tenant: str, user_id: str, mailbox: Mailbox) -> None:
    """Writes the mailbox whole; one with IMAP set up is listed in @IMAP for the sync."""
    listed: dict[str, Any] = {}
    if mailbox.get("imap_host"):
        listed = keys.index_entry(indexes.IMAP_MAILBOXES, keys.IMAP_MAILBOXES_PK, _imap_sort_key(tenant, user_id, None))
    MailboxItem(keys.user_pk(tenant, user_id), keys.MAILBOX_SK, **mailbox, **listed).save()


def imap_mailboxes(limit: int) -> list[tuple[str, str]]:
    """(tenant, user id) of up to `limit` mailboxes with IMAP set up, least recently synced first:
    one Query of GSI5's sparse @IMAP partition."""
    raws, _ = query(keys.IMAP_MAILBOXES_PK, index=indexes.IMAP_MAILBOXES, limit=limit)
    sort_key = keys.index_key_names(indexes.IMAP_MAILBOXES)[1]
    return [tuple(raw[sort_key]["S"].rsplit("#", 2)[1:]) for raw in raws]


def save_sync_state(tenant: str, user_id: str, account: Mailbox, *, folders: dict[str, Any], status: str,
                    error: str | None, attempted_at: str | None = None, synced_at: str | None = None) -> bool:
    """Stores the sync's checkpoints and outcome (a run that ended at `attempted_at` moves the
    mailbox to the end of @IMAP; `synced_at` is the last run without error), only while the
    mailbox still names the IMAP account the sync read (`account`: its imap_host, imap_port,
    imap_username): a mailbox changed or removed meanwhile keeps its own state. False when it was."""
    actions: list[Action] = [MailboxItem.imap_folders.set(folders), MailboxItem.sync_status.set(status),
               MailboxItem.sync_error.set(error) if error else MailboxItem.sync_error.remove()]
    if attempted_at is not None:
        place = _imap_sort_key(tenant, user_id, attempted_at)
        actions.append(index_sort_key(MailboxItem, indexes.IMAP_MAILBOXES).set(place))
    if synced_at is not None:
        actions.append(MailboxItem.last_synced_at.set(synced_at))
    condition = (MailboxItem.imap_host == account["imap_host"]) & (MailboxItem.imap_port == account["imap_port"]) \
        & (MailboxItem.imap_username == account["imap_username"])
    try:
        MailboxItem(keys.user_pk(tenant, user_id), keys.MAILBOX_SK).update(actions=actions, condition=condition)
        return True
    except UpdateError as failure:
        if error_code(failure) == "ConditionalCheckFailedException":
            return False
        raise


def delete_mailbox(tenant: str, user_id: str) -> None:
    MailboxItem(keys.user_pk(tenant, user_id), keys.MAILBOX_SK).delete()



# --- received mail ----------------------------------------------------------------------------

def mark_processed(transaction: Transaction, event_key: str, label: str = "event",
                   days: int | None = PROCESSED_EVENT_DAYS) -> None:
    """Make `transaction` fail with `label` if this event was applied before; the marker is kept
    `days` days (None: for good)."""
    expires = None if days is None else int(time.time()) + days * 86400
    marker = ProcessedEventItem(keys.processed_event_pk(event_key), keys.PROCESSED_EVENT_SK, expires_at_epoch=expires)
    transaction.put(label, marker, condition=ProcessedEventItem.pk.does_not_exist())


def email_by_provider_id(provider_message_id: str) -> tuple[str, Email] | None:
    """(tenant, email) of the email SES knows by this id: one Query of GSI4."""
    raws, _ = query(keys.provider_message_pk(provider_message_id), index=indexes.EMAIL_BY_PROVIDER_MESSAGE_ID, limit=1)
    if not raws:
        return None
    tenant = keys.tenant_of_email_pk(raws[0]["pk"]["S"])
    return tenant, email_of(EmailItem.from_raw_data(raws[0]))


def _email_by_id(email_id: str) -> tuple[str, Email] | None:
    """(tenant, email) of one of our emails by its id, whatever its tenant: a Query of GSI6 and
    a GetItem."""
    raws, _ = query(keys.email_id_pk(email_id), index=indexes.EMAIL_BY_ID, limit=1)
    if not raws:
        return None
    tenant = keys.tenant_of_email_pk(raws[0]["pk"]["S"])
    email = get(tenant, email_id)
    return (tenant, email) if email is not None else None


def find_ours(references: list[tuple[str, str]]) -> tuple[str, Email] | None:
    """(tenant, email) of the first reference (shared.domain.outbound.referenced_messages) that
    is one of our emails: by our email id (GSI6) or by the id SES gave the message (GSI4)."""
    finders = {outbound.OUR_EMAIL: _email_by_id, outbound.SES_MESSAGE: email_by_provider_id}
    for kind, value in references:
        found = finders[kind](value)
        if found is not None:
            return found
    return None


def record_received(
    tenant: str, email: Email, event_key: str | None, message_key: str, entries: list[dict[str, Any]],
    contact_change: contact_store.ContactChange | None,
) -> None:
    """One transaction: the message marked filed in its tenant for good (ConditionFailed
    "message" if it was, whichever way it came), the delivery marked processed when it has a key
    of its own (ConditionFailed "event"), the email it became (received, or sent by a user), its
    timeline entries and the contact's new fields (versioned, as a save)."""
    transaction = Transaction()
    mark_processed(transaction, message_key, "message", days=None)
    if event_key is not None:
        mark_processed(transaction, event_key)
    transaction.put("message", _model(tenant, email), condition=EmailItem.pk.does_not_exist())
    for index, entry in enumerate(entries):
        transaction.put(f"activity{index}", activity_model(tenant, email["contact_id"], entry))
    if contact_change is not None:
        contact, previous, version, config = contact_change
        contact_store.stage_save(transaction, tenant, contact, config, previous=previous, version=version)
    transaction.commit()


def delete(tenant: str, email_id: str) -> None:
    EmailItem(*email_key(tenant, email_id)).delete()

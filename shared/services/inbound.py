"""Received mail: SES stores each message in S3, the object's event reaches the mail events
function, and the message becomes an email of the `received` folder.

The tenant comes from the thread (In-Reply-To/References naming one of our emails) or else
from the tenant's inbound address `{tenant}@{INBOUND_DOMAIN}` among the recipients (the
address a team forwards or Bccs its mail to).

Mail from one of the tenant's users (shared.db.members: an address a user set up their mailbox
with) is their own outgoing mail, sent from their mail client and Bcc'd or forwarded here: an
email of the `sent` folder, `email_sent` on the timeline of the first recipient who is a
contact, setting first/last_contacted_at as a send from the CRM does (seed 004: mail sent from
the mail software counts). Any other mail is received: the contact is the sender, or the
contact of the email it answers. A reply from a contact is `email_received` on the timeline
and sets `last_customer_action_*`; an auto-reply is recorded but is not the contact's action,
and a bounce report is left to the SES notifications.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from shared import keys
from shared.aws import client
from shared.config import CONFIG
from shared.db import contacts as contact_store
from shared.db import emails as repository
from shared.db import members
from shared.db.contacts import ContactChange
from shared.db.transactions import ConditionFailed
from shared.domain import activities, inbound, outbound, validation
from shared.domain.customer_actions import Action, applied
from shared.domain.ids import new_id
from shared.domain.lifecycle import sent_at
from shared.keys import is_plain_id
from shared.observability import logger
from shared.services.contacts import until_settled

if TYPE_CHECKING:
    from shared.domain.entities import Email

MAX_MESSAGE_BYTES = 10 * 1024 * 1024


def receive_object(bucket: str, key: str) -> dict[str, int]:
    body = client("s3").get_object(Bucket=bucket, Key=key)["Body"]
    raw = body.read(MAX_MESSAGE_BYTES + 1)
    if len(raw) > MAX_MESSAGE_BYTES:
        logger.warning("received message too large; ignored", extra={"key": key})
        return {"received": 0, "ignored": 1}
    return receive(raw, keys.received_object_key(bucket, key))


def _tenant_address(addresses: list[str]) -> str | None:
    """The tenant whose inbound address is among `addresses` (`tenant@domain`, `tenant+tag@domain`)."""
    if not CONFIG.inbound_domain:
        return None
    for address in addresses:
        local, _, domain = address.lower().rpartition("@")
        tenant = local.partition("+")[0]
        if domain == CONFIG.inbound_domain and is_plain_id(tenant):
            return tenant
    return None


def receive(raw: bytes, source_id: str) -> dict[str, int]:
    """A message SES received, `source_id` its S3 object: filed in the tenant its thread or its
    recipients name."""
    message = inbound.parse(raw)
    if message.is_bounce:
        logger.info("bounce report received as mail; SES notifications carry bounces", extra={"source": source_id})
        return {"received": 0, "ignored": 1}
    found = repository.find_ours(outbound.referenced_messages(message))
    tenant, parent = found if found else (_tenant_address([*message.to, *message.cc, *message.envelope_to]), None)
    if tenant is None:
        logger.warning("received mail for no tenant; ignored", extra={"source": source_id})
        return {"received": 0, "ignored": 1}
    member = members.member_of(tenant, message.from_address)
    return _file(tenant, raw, message, parent, member["user_id"] if member else None, source_id, outbound.INBOUND)


def receive_from_mailbox(tenant: str, user_id: str, raw: bytes, *, sent: bool) -> dict[str, int]:
    """A message of a user's own mailbox (shared.services.mailbox_sync): one of the Sent folder
    is sent by them, one of the inbox received; filed as SES inbound files it, once in the
    tenant whichever way it came, when its counterpart is a contact (or it answers an email of
    a contact). Mail the CRM sent itself (its Message-ID is ours) is filed already and ignored."""
    message = inbound.parse(raw)
    if message.is_bounce:
        return {"received": 0, "ignored": 1}
    ours = repository.find_ours(outbound.sent_by_us(message))
    if ours is not None and ours[0] == tenant:
        return {"received": 0, "ignored": 1}
    found = repository.find_ours(outbound.referenced_messages(message))
    parent = found[1] if found and found[0] == tenant else None
    return _file(tenant, raw, message, parent, user_id if sent else None, None, outbound.MAILBOX)


def _file(tenant: str, raw: bytes, message: inbound.InboundMessage, parent: Email | None,
          sender_id: str | None, source_id: str | None, source: str) -> dict[str, int]:
    """The message as an email of the tenant (sent by `sender_id`, else received) with its
    timeline entries and contact fields: once per Message-ID in the tenant, and once per
    delivery `source_id` when it has one."""
    email_id = new_id()
    message_key = keys.mail_message_key(tenant, message.message_id or "sha256:" + hashlib.sha256(raw).hexdigest())

    def attempt() -> dict[str, int]:
        if sender_id is None:
            email, entries, change = _received(tenant, email_id, message, parent, source)
        else:
            email, entries, change = _sent_by_member(tenant, email_id, message, parent, sender_id, source)
        if source == outbound.MAILBOX and not email["contact_id"]:
            return {"received": 0, "ignored": 1}  # a mailbox holds much more than mail with contacts
        try:
            repository.record_received(tenant, email, source_id, message_key, entries, change)
            return {"received": 1, "ignored": 0}
        except ConditionFailed as failure:
            if {"event", "message"} & set(failure.labels):
                return {"received": 0, "ignored": 1}
            raise

    return until_settled(attempt)


def _received(tenant: str, email_id: str, message: inbound.InboundMessage, parent: Email | None,
              source: str) -> tuple[Email, list[dict[str, Any]], ContactChange | None]:
    """A contact's (or a stranger's) message: `email_received`, the contact's action unless an auto-reply."""
    contact, version, config = _contact_of(tenant, [message.from_address], parent)
    email = outbound.received_email(email_id=email_id, message=message, contact=contact, parent=parent,
                                    now=validation.now(), source=source)
    if contact is None:
        return email, [], None
    entries = [activities.email_received(new_id(), email, message.auto_reply)]
    if message.auto_reply:
        return email, entries, None
    acted = applied(contact, [Action("email_received", sent_at(email))])
    return email, entries, ({**acted, "updated_at": validation.now()}, contact, version, config)


def _sent_by_member(tenant: str, email_id: str, message: inbound.InboundMessage, parent: Email | None,
                    user_id: str, source: str) -> tuple[Email, list[dict[str, Any]], ContactChange | None]:
    """A user's own outgoing mail, Bcc'd or forwarded to the tenant's address: sent by them, to the
    first recipient who is a contact (else the contact of the email it answers), which it
    reaches as an email sent from the CRM does (first/last_contacted_at, owner)."""
    recipients = [address for address in [*message.to, *message.cc, *message.envelope_to]
                  if address != message.from_address and not _tenant_address([address])]
    contact, version, config = _contact_of(tenant, recipients, parent)
    email = outbound.outgoing_email(email_id=email_id, message=message, contact=contact, parent=parent,
                                    sender_id=user_id, now=validation.now(), source=source)
    if contact is None:
        return email, [], None
    entries, updated = outbound.reached(email, contact, new_id)
    return email, entries, ({**updated, "updated_at": validation.now()}, contact, version, config)


def _contact_of(tenant: str, addresses: Sequence[str | None], parent: Email | None) -> tuple[Any, Any, Any]:
    """The contact of the first of `addresses` that is one, else the contact of the email
    answered; with version and config."""
    wanted = [address.lower() for address in addresses if address]
    known = contact_store.by_emails(tenant, wanted) if wanted else {}
    contact_id = next((known[address]["id"] for address in wanted if address in known), None)
    if contact_id is None and parent is not None and parent["contact_id"]:
        contact_id = parent["contact_id"]
    if contact_id is None:
        return None, None, None
    return contact_store.get_with_config(tenant, contact_id)

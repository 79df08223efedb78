"""Received mail: SES stores each message in S3, the object's event reaches the mail events
function, and the message becomes an email of the `received` folder.

The tenant comes from the thread (In-Reply-To/References naming one of our emails) or else
from the tenant's inbound address `{tenant}@{INBOUND_DOMAIN}` among the recipients (the
address a team forwards or Bccs its mail to). The contact is the sender, or the contact of
the email it answers. A reply from a contact is `email_received` on the timeline and sets
`last_customer_action_*`; an auto-reply is recorded but is not the contact's action, and a
bounce report is left to the SES notifications.
"""

from __future__ import annotations

from typing import Any

from shared import keys
from shared.aws import client
from shared.config import CONFIG
from shared.db import contacts as contact_store
from shared.db import emails as repository
from shared.db.transactions import ConditionFailed
from shared.domain import activities, inbound, outbound, validation
from shared.domain.customer_actions import Action, applied
from shared.domain.ids import new_id
from shared.keys import is_plain_id
from shared.observability import logger
from shared.services.contacts import until_settled

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
    message = inbound.parse(raw)
    if message.is_bounce:
        logger.info("bounce report received as mail; SES notifications carry bounces", extra={"source": source_id})
        return {"received": 0, "ignored": 1}
    found = repository.find_ours(outbound.referenced_messages(message))
    tenant, parent = found if found else (_tenant_address([*message.to, *message.cc, *message.envelope_to]), None)
    if tenant is None:
        logger.warning("received mail for no tenant; ignored", extra={"source": source_id})
        return {"received": 0, "ignored": 1}
    email_id = new_id()

    def attempt() -> dict[str, int]:
        contact, version, config = _contact_of(tenant, message.from_address, parent)
        email = outbound.received_email(email_id=email_id, message=message, contact=contact, parent=parent,
                                        now=validation.now())
        activity = change = None
        if contact is not None:
            activity = activities.email_received(new_id(), email, message.auto_reply)
            if not message.auto_reply:
                acted = applied(contact, [Action("email_received", email["sent_at"])])
                change = ({**acted, "updated_at": validation.now()}, contact, version, config)
        try:
            repository.record_received(tenant, email, source_id, activity, change)
            return {"received": 1, "ignored": 0}
        except ConditionFailed as failure:
            if "event" in failure.labels:
                return {"received": 0, "ignored": 1}
            raise

    return until_settled(attempt)


def _contact_of(tenant: str, sender: str | None, parent: dict[str, Any] | None) -> tuple[Any, Any, Any]:
    """The sender's contact, else the contact of the email answered; with version and config."""
    contact_id = None
    if sender:
        known = contact_store.by_emails(tenant, [sender.lower()])
        contact_id = next(iter(known.values()))["id"] if known else None
    if contact_id is None and parent is not None and parent["contact_id"]:
        contact_id = parent["contact_id"]
    if contact_id is None:
        return None, None, None
    return contact_store.get_with_config(tenant, contact_id)


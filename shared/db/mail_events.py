"""Mail events in the single table: apply one event (timeline entry, the contact's delivery
status, the email's delivery state) exactly once. Their email is found by SES message id in
shared.db.emails."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared import keys
from shared.db import batches, tenant_config
from shared.db import contacts as contact_store
from shared.db.activity_items import activity_model
from shared.db.contacts import contact_key
from shared.db.emails import email_key, mark_processed
from shared.db.models import ContactItem, EmailItem, EmailKeyItem, TableItem, TenantConfigItem, as_dict
from shared.db.transactions import Transaction

if TYPE_CHECKING:
    from shared.domain.entities import Email


def recipient_contact(
    tenant: str, contact_id: str, recipient: str,
) -> tuple[dict[str, Any] | None, int | None, tenant_config.TenantConfig]:
    """The contact whose address `recipient` is (the email's contact, or another one such as a
    cc'd address), its version and the tenant config: one BatchGetItem, two for another contact."""
    found: dict[str, Any] = {}
    config_item = None
    wanted = [contact_key(tenant, contact_id), tenant_config.config_key(tenant),
              (keys.email_key_pk(tenant, recipient), keys.EMAIL_KEY_SK)]
    for item in batches.get(TableItem, wanted, consistent_read=True):
        if isinstance(item, ContactItem):
            found["contact"] = (as_dict(item.data), item.version)
        elif isinstance(item, TenantConfigItem):
            config_item = item
        elif isinstance(item, EmailKeyItem):
            found["owner_id"] = item.contact_id
    config = tenant_config.from_item(tenant, config_item)
    owner_id = found.get("owner_id")
    if owner_id is None:
        return None, None, config
    if owner_id != contact_id:
        try:
            item = ContactItem.get(*contact_key(tenant, owner_id), consistent_read=True)
        except ContactItem.DoesNotExist:
            return None, None, config
        return as_dict(item.data), item.version, config
    contact, version = found.get("contact", (None, None))
    return contact, version, config


def apply(
    tenant: str, email: Email, event_key: str, recipient: str, state: str,
    activity: tuple[str, dict[str, Any]] | None, contact_change: contact_store.ContactChange | None,
) -> None:
    """One transaction: the event marked processed (ConditionFailed "event" if it already
    was), the email's delivery state for the recipient, the timeline entry (contact id,
    activity) and the contact's new delivery status (`contact_change` = (contact, previous,
    version, config); ConditionFailed "contact"/"config" when it changed meanwhile)."""
    transaction = Transaction()
    mark_processed(transaction, event_key)
    actions = [EmailItem.recipient_states[recipient].set(state)]
    if recipient == email["to"].lower():
        actions.append(EmailItem.delivery_state.set(state))
    transaction.update("message", EmailItem(*email_key(tenant, email["email_id"])), actions,
                       condition=EmailItem.pk.exists())
    if activity is not None:
        transaction.put("activity", activity_model(tenant, *activity))
    if contact_change is not None:
        contact, previous, version, config = contact_change
        contact_store.stage_save(transaction, tenant, contact, config, previous=previous, version=version)
    transaction.commit()

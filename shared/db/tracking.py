"""The two requests of a tracking hit: read the email, then record the hit in one transaction
(the email's counters, the timeline entry and a person's hit on the contact, only while the
contact exists).

Kept apart from shared.db.emails so the tracking Lambda never imports the MIME composer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from shared import keys
from shared.db import contact_actions, notifications, templates
from shared.db.activity_items import activity_model
from shared.db.models import ContactItem, EmailItem, as_dict
from shared.db.transactions import Transaction

if TYPE_CHECKING:
    from shared.domain.entities import Email

_READ = ("email_id", "contact_id", "to", "subject", "status", "sent_at", "links", "opened_at", "machine_opened_at",
         "clicked_at", "identify_clicks", "sender_id", "template_id", "notify_on_open", "notify_on_click")


def get_email(tenant: str, email_id: str) -> Email | None:
    try:
        item = EmailItem.get(keys.email_pk(tenant, email_id), keys.EMAIL_SK, consistent_read=True)
    except EmailItem.DoesNotExist:
        return None
    email = {name: getattr(item, name) for name in _READ}
    email["click_times"] = as_dict(item.click_times) if item.click_times is not None else {}
    return cast("Email", email)  # the item's attributes are Email's keys (tests/test_entities.py)


def record(
    tenant: str, email: Email, activity: dict[str, Any], counter: str, first: str | None,
    click: tuple[int, float] | None, customer_action: bool, template_counter: str | None = None,
    notification: dict[str, Any] | None = None,
) -> None:
    """Add one to `counter`; set `first` (opened_at, machine_opened_at, clicked_at) to the hit's
    time only if it is still unset (ConditionFailed "message" otherwise: it is no longer first);
    remember a click's time per link; put the timeline entry; for a `customer_action`, write it
    onto the contact (db.contact_actions, whose conditions fail as "contact" or "email_key");
    a person's first open or click also counts on the email's template (`template_counter`) and
    notifies its sender (`notification`). ConditionFailed "contact" when the contact was deleted."""
    at = activity["occurred_at"]
    actions = [getattr(EmailItem, counter).add(1)]
    condition = EmailItem.pk.exists()
    if first is not None:
        actions.append(getattr(EmailItem, first).set(at))
        condition &= getattr(EmailItem, first).does_not_exist()
    if click is not None:
        link_index, epoch = click
        actions.append(EmailItem.click_times[str(link_index)].set(epoch))
    contact_pk = keys.contact_pk(tenant, email["contact_id"])
    transaction = Transaction()
    if customer_action:
        contact_actions.stage(transaction, tenant, email["contact_id"], email["to"].lower(), activity["type"], at)
    else:
        transaction.check("contact", ContactItem, contact_pk, keys.CONTACT_SK, ContactItem.pk.exists())
    transaction.put("activity", activity_model(tenant, email["contact_id"], activity))
    transaction.update("message", EmailItem(keys.email_pk(tenant, email["email_id"]), keys.EMAIL_SK), actions,
                       condition=condition)
    template_id = email.get("template_id")
    if template_counter is not None and template_id:
        templates.stage_count(transaction, tenant, template_id, template_counter)
    if notification is not None:
        notifications.stage_new(transaction, tenant, email["sender_id"], notification)
    transaction.commit()

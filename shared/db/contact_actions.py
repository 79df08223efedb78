"""One customer action written onto a contact without reading it first: UpdateItem actions for
the contact and the copy on its email key, inside the caller's transaction. The hot paths (a
tracking hit, a page view) use it to stay within their request budget; it gives the same
fields as domain.customer_actions.applied for one action at the present time.

Its conditions fail (labels "contact", "email_key") when the contact is gone, has no score
counts yet, already has a later action, or no longer has `email_key` as its email; the caller
then records the action through services.customer_actions (read, apply, write) instead.
Kept apart from shared.db.contacts so the tracking Lambda imports no contact rules.
"""

from __future__ import annotations

from typing import Any

from shared import keys
from shared.db.models import ContactItem, ContactViewItem, EmailKeyItem, index_sort_key
from shared.db.transactions import Transaction

_ACTION_INDEX = keys.CONTACT_SORT_INDEX["last_customer_action_at"]


def _data_actions(data: Any, action_type: str, at: str, new_session: bool | None) -> list[Any]:
    count = data["score_counts"][f"{at[:10]}|{action_type}"]
    actions = [
        data["last_customer_action_at"].set(at),
        data["last_customer_action_type"].set(action_type),
        data["updated_at"].set(at),
        count.set((count | 0) + 1),
    ]
    if new_session is not None:
        actions.append(data["last_seen_at"].set(at))
        if new_session:
            actions.append(data["session_count"].set((data["session_count"] | 0) + 1))
    return actions


def stage(
    transaction: Transaction, tenant: str, contact_id: str, email_key: str | None, action_type: str, at: str,
    *, new_session: bool | None = None,
) -> None:
    """Add one (non-machine) action at `at` (now) to the contact and its email key's copy; a web
    visit (`new_session` not None) also sets `last_seen_at` and counts a new session."""
    data = ContactItem.data
    latest = data["last_customer_action_at"]
    condition = ContactItem.pk.exists() & data["score_counts"].exists() & (latest.does_not_exist() | (latest <= at))
    if email_key is None:
        condition &= data["email"].does_not_exist()
    sort_key = keys.sorted_sk(at, contact_id)
    contact_actions = [*_data_actions(data, action_type, at, new_session),
                       index_sort_key(ContactItem, _ACTION_INDEX).set(sort_key)]
    transaction.update("contact", ContactItem(keys.contact_pk(tenant, contact_id), keys.CONTACT_SK, version=0),
                       contact_actions, condition=condition, version_checked=False)
    # The owner's view sorts by the last action too. Without reading the contact its owner is
    # unknown, so the entry is updated whatever it holds: an ownerless contact gets one outside
    # every index (no partition key), which the save that gives it an owner overwrites.
    transaction.update("owner_view", ContactViewItem(keys.contact_pk(tenant, contact_id), keys.OWNER_VIEW_SK),
                       [ContactViewItem.kind.set(ContactViewItem), ContactViewItem.contact_id.set(contact_id),
                        index_sort_key(ContactViewItem, _ACTION_INDEX).set(sort_key)])
    if email_key is not None:
        transaction.update("email_key", EmailKeyItem(keys.email_key_pk(tenant, email_key), keys.EMAIL_KEY_SK),
                           _data_actions(EmailKeyItem.data, action_type, at, new_session),
                           condition=EmailKeyItem.contact_id == contact_id)

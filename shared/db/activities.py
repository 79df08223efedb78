"""Timeline entries in the single table: each in its contact's partition, sorted by time, and
found by id through GSI8 (the id does not carry the time the sort key needs)."""

from __future__ import annotations

from typing import Any

from shared import keys
from shared.db import contacts as contact_store
from shared.db.contacts import query
from shared.db.models import ActivityItem
from shared.db.transactions import Transaction


def activity_model(tenant: str, contact_id: str, activity: dict[str, Any]) -> ActivityItem:
    sort_key = keys.activity_sk(activity["occurred_at"], activity["id"])
    return ActivityItem(keys.contact_pk(tenant, contact_id), sort_key, data=activity,
                        gsi8pk=keys.activity_id_pk(tenant, activity["id"]), gsi8sk=keys.ACTIVITY_ID_SK,
                        gsi15pk=keys.timeline_type_pk(tenant, contact_id, activity["type"]), gsi15sk=sort_key)


def page(
    tenant: str, contact_id: str, types: list[str], since: str | None, until: str | None, limit: int,
    start: dict[str, Any] | None,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """One page of a contact's timeline, newest first, with one Query: of the type's own index
    partition for one type (reads only that type), else of the contact's partition between the
    times with the types filtered by DynamoDB (a page may then be short; the cursor goes on)."""
    low = keys.activity_sk(since, "") if since else keys.ACTIVITY_SK_PREFIX
    high = keys.activity_sk(until, "~") if until else keys.ACTIVITY_SK_PREFIX + "~"
    if len(types) == 1:
        raws, last = query(keys.timeline_type_pk(tenant, contact_id, types[0]), ActivityItem.gsi15sk.between(low, high),
                           index="GSI15", limit=limit, start=start, forward=False)
    else:
        type_filter = ActivityItem.data["type"].is_in(*types) if types else None
        raws, last = query(keys.contact_pk(tenant, contact_id), ActivityItem.sk.between(low, high), limit=limit,
                           start=start, forward=False, filter_condition=type_filter, consistent=True)
    return [ActivityItem.from_raw_data(raw).data.as_dict() for raw in raws], last


def find(tenant: str, activity_id: str) -> tuple[str, dict[str, Any]] | None:
    """(contact id, activity) of an activity of the tenant, by id."""
    raws, _ = query(keys.activity_id_pk(tenant, activity_id), index="GSI8", limit=1)
    if not raws:
        return None
    try:
        item = ActivityItem.get(raws[0]["pk"]["S"], raws[0]["sk"]["S"], consistent_read=True)
    except ActivityItem.DoesNotExist:
        return None
    return item.pk.rsplit("#", 1)[1], item.data.as_dict()


def save(
    tenant: str, contact_id: str, activity: dict[str, Any], *, previous: dict[str, Any] | None = None,
    contact_change: tuple | None = None,
) -> None:
    """Write an activity (replacing `previous`, whose time may differ), with the contact's new
    fields when it changes them (a logged call), in one transaction."""
    transaction = Transaction()
    if previous is not None and previous["occurred_at"] != activity["occurred_at"]:
        transaction.delete("previous", activity_model(tenant, contact_id, previous))
    transaction.put("activity", activity_model(tenant, contact_id, activity))
    if contact_change is not None:
        contact, before, version, config = contact_change
        contact_store.stage_save(transaction, tenant, contact, config, previous=before, version=version)
    transaction.commit()


def delete(tenant: str, contact_id: str, activity: dict[str, Any]) -> None:
    activity_model(tenant, contact_id, activity).delete()


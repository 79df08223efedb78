"""Timeline entries in the single table: each in its contact's partition, sorted by time, and
found by id through GSI8 (the id does not carry the time the sort key needs)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared import indexes, keys
from shared.db import contacts as contact_store
from shared.db.activity_items import activity_model
from shared.db.models import ActivityItem, as_dict, index_sort_key
from shared.db.reads import Page, query
from shared.db.transactions import Transaction
from shared.domain.ids import time_of


def page(
    tenant: str, contact_id: str, types: list[str], since: str | None, until: str | None, limit: int,
    start: dict[str, Any] | None,
) -> Page[dict[str, Any]]:
    """One page of a contact's timeline, newest first, with one Query: of the type's own index
    partition for one type (reads only that type), else of the contact's partition between the
    times with the types filtered by DynamoDB (a page may then be short; the cursor goes on)."""
    low = keys.activity_sk(since, "") if since else keys.ACTIVITY_SK_PREFIX
    high = keys.activity_sk(until, "~") if until else keys.ACTIVITY_SK_PREFIX + "~"
    index = indexes.TIMELINE_BY_TYPE if len(types) == 1 else None
    if index:
        raws, last = query(keys.timeline_type_pk(tenant, contact_id, types[0]),
                           index_sort_key(ActivityItem, index).between(low, high), index=index, limit=limit,
                           start=start, forward=False)
    else:
        type_filter = ActivityItem.data["type"].is_in(*types) if types else None
        raws, last = query(keys.contact_pk(tenant, contact_id), ActivityItem.sk.between(low, high), limit=limit,
                           start=start, forward=False, filter_condition=type_filter, consistent=True)
    return Page.of(raws, last, index, lambda raw: as_dict(ActivityItem.from_raw_data(raw).data))


def find(tenant: str, contact_id: str, activity_id: str) -> dict[str, Any] | None:
    """An activity of the contact, by id. Logged activities get ids whose time part is their
    `occurred_at`, so one consistent GetItem finds them (read your writes); one moved since, or
    written by the system, is found through GSI8."""
    moment = time_of(activity_id)
    if moment is not None:
        try:
            return as_dict(ActivityItem.get(keys.contact_pk(tenant, contact_id), keys.activity_sk(moment, activity_id),
                                            consistent_read=True).data)
        except ActivityItem.DoesNotExist:
            pass
    raws, _ = query(keys.activity_id_pk(tenant, activity_id), index=indexes.ACTIVITY_BY_ID, limit=1)
    if not raws or raws[0]["pk"]["S"] != keys.contact_pk(tenant, contact_id):
        return None
    try:
        return as_dict(ActivityItem.get(raws[0]["pk"]["S"], raws[0]["sk"]["S"], consistent_read=True).data)
    except ActivityItem.DoesNotExist:
        return None


def save(
    tenant: str, contact_id: str, activity: dict[str, Any], *, previous: dict[str, Any] | None = None,
    contact_change: contact_store.ContactChange | None = None, also: Sequence[dict[str, Any]] = (),
) -> None:
    """Write an activity (replacing `previous`, whose time may differ) and `also` other entries,
    with the contact's new fields when it changes them (a logged call), in one transaction."""
    transaction = Transaction()
    if previous is not None and previous["occurred_at"] != activity["occurred_at"]:
        transaction.delete("previous", activity_model(tenant, contact_id, previous))
    for entry in (activity, *also):
        transaction.put("activity", activity_model(tenant, contact_id, entry))
    if contact_change is not None:
        contact, before, version, config = contact_change
        contact_store.stage_save(transaction, tenant, contact, config, previous=before, version=version)
    transaction.commit()


def delete(tenant: str, contact_id: str, activity: dict[str, Any],
           contact_change: contact_store.ContactChange | None = None) -> None:
    """Delete an activity, with the contact's recomputed fields when they change, in one transaction."""
    transaction = Transaction()
    transaction.delete("activity", activity_model(tenant, contact_id, activity))
    if contact_change is not None:
        contact, before, version, config = contact_change
        contact_store.stage_save(transaction, tenant, contact, config, previous=before, version=version)
    transaction.commit()


def time_bounds(tenant: str, contact_id: str, types: tuple[str, ...], excluding: str) -> tuple[str | None, str | None]:
    """The earliest and latest `occurred_at` of the contact's entries of `types`, leaving out the
    entry `excluding` (being edited or deleted): two Queries of at most 2 items per type (GSI15)."""
    times = []
    for activity_type in types:
        for forward in (True, False):
            raws, _ = query(keys.timeline_type_pk(tenant, contact_id, activity_type), index=indexes.TIMELINE_BY_TYPE,
                            limit=2, forward=forward)
            entries = [as_dict(ActivityItem.from_raw_data(raw).data) for raw in raws]
            times += [entry["occurred_at"] for entry in entries if entry["id"] != excluding][:1]
    return (min(times), max(times)) if times else (None, None)


"""Ingested events in the single table: timeline entries, their `event_id` markers and what they
change on their contacts, together."""

from __future__ import annotations

from typing import Any

from shared import keys
from shared.db import contacts as contact_store
from shared.db import tenant_config
from shared.db.activity_items import activity_model
from shared.db.emails import mark_processed
from shared.db.transactions import Transaction


def record(tenant: str, entries: list[tuple[dict[str, Any], str, str | None]],
           changes: list[tuple[dict[str, Any], dict[str, Any], int]], config: tenant_config.TenantConfig) -> None:
    """One transaction: each (activity, contact id, event id) with its marker, and each
    (contact, previous, version) change the events make (score counts, last customer action), so
    an event is recorded with its effect or not at all. ConditionFailed names `event:<event id>`
    for each event id already recorded, `contact:<id>` or "config" when something moved meanwhile."""
    transaction = Transaction()
    for activity, contact_id, event_id in entries:
        transaction.put("activity", activity_model(tenant, contact_id, activity))
        if event_id is not None:
            mark_processed(transaction, keys.ingest_event_key(tenant, event_id), label=f"event:{event_id}")
    for position, (contact, previous, version) in enumerate(changes):
        contact_store.stage_save(transaction, tenant, contact, config, previous=previous, version=version,
                                 check_config=position == 0, label=f"contact:{contact['id']}")
    transaction.commit()

"""Ingested events in the single table: timeline entries and their `event_id` markers."""

from __future__ import annotations

from typing import Any

from shared import keys
from shared.db.activity_items import activity_model
from shared.db.emails import mark_processed
from shared.db.transactions import Transaction


def record(tenant: str, entries: list[tuple[dict[str, Any], str, str | None]]) -> None:
    """One transaction: each (activity, contact id, event id) with its marker; ConditionFailed
    names `event:<event id>` for each event id already recorded."""
    transaction = Transaction()
    for activity, contact_id, event_id in entries:
        transaction.put("activity", activity_model(tenant, contact_id, activity))
        if event_id is not None:
            mark_processed(transaction, keys.ingest_event_key(tenant, event_id), label=f"event:{event_id}")
    transaction.commit()

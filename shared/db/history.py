"""Property history in the single table: one item per field changed, in the contact's partition
by time (every field, newest first, with one Query) and under its field's GSI15 partition (one
field, with one Query that reads only that field's changes). Written only by the contact
repository's `stage_save`, in the transaction of the change itself."""

from __future__ import annotations

from typing import Any

from shared import indexes, keys
from shared.db.item_size import require_storable
from shared.db.models import HistoryItem, as_dict
from shared.db.reads import Page, query
from shared.db.transactions import Transaction
from shared.domain import history


def history_model(tenant: str, contact_id: str, entry: dict[str, Any], version: int, position: int) -> HistoryItem:
    sort_key = keys.history_sk(entry["at"], version, position)
    # a model's **attributes: typed Any, as mypy matches them to every parameter
    by_field: dict[str, Any] = keys.index_entry(indexes.FIELD_HISTORY,
                                                keys.history_field_pk(tenant, contact_id, entry["field"]), sort_key)
    model = HistoryItem(keys.contact_pk(tenant, contact_id), sort_key, data=entry, **by_field)
    # Each value is bounded by its field's own limit (10,000 characters at most), so an entry is far
    # below the 400 KB item limit; checked all the same, as every item written is.
    return require_storable(model, "The change is too large to keep in the history; shorten the longest value.")


def stage(transaction: Transaction, tenant: str, before: dict[str, Any], after: dict[str, Any], version: int,
          actor: str) -> int:
    """Put the history entries of a contact's change (from version `version`) into the
    transaction that writes it: how many."""
    changes = history.field_changes(before, after)
    for position, (field, old, new) in enumerate(changes):
        entry = {"field": field, "old": old, "new": new, "at": after["updated_at"], "actor": actor}
        # numbered from the last: read newest first, a change lists its fields in their own order
        transaction.put("history", history_model(tenant, after["id"], entry, version, len(changes) - 1 - position))
    return len(changes)


def page(tenant: str, contact_id: str, field: str | None, limit: int,
         start: dict[str, Any] | None) -> Page[dict[str, Any]]:
    """One page of a contact's history, newest first, with one Query reading only the entries it
    answers: the field's GSI15 partition for one field, else the contact's partition (consistent)."""
    if field is not None:
        raws, last = query(keys.history_field_pk(tenant, contact_id, field), index=indexes.FIELD_HISTORY, limit=limit,
                           start=start, forward=False)
    else:
        raws, last = query(keys.contact_pk(tenant, contact_id), HistoryItem.sk.startswith(keys.HISTORY_SK_PREFIX),
                           limit=limit, start=start, forward=False, consistent=True)
    return Page.of(raws, last, indexes.FIELD_HISTORY if field is not None else None, _entry)


def _entry(raw: dict[str, Any]) -> dict[str, Any]:
    """The stored entry with its `id`: its sort key's unique part (time, version, position)."""
    return {"id": raw["sk"]["S"][len(keys.HISTORY_SK_PREFIX):], **as_dict(HistoryItem.from_raw_data(raw).data)}

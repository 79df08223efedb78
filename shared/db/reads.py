"""Query requests on the single table, shared by every repository: kept apart from the contact
store so that lean handlers (tracking) can read and write their own items without importing it."""

from __future__ import annotations

from typing import Any

from shared.db.models import ContactItem

RawItem = dict[str, Any]
_connection = ContactItem._get_connection()


def query(
    hash_key: str,
    range_condition: Any = None,
    *,
    index: str | None = None,
    forward: bool = True,
    limit: int | None = None,
    start: RawItem | None = None,
    filter_condition: Any = None,
    consistent: bool = False,
) -> tuple[list[RawItem], RawItem | None]:
    """One Query request: its raw items and LastEvaluatedKey. Callers decide whether to go on."""
    response = _connection.query(
        hash_key,
        range_key_condition=range_condition,
        filter_condition=filter_condition,
        index_name=index,
        limit=limit,
        exclusive_start_key=start,
        scan_index_forward=forward,
        consistent_read=consistent,
    )
    return response.get("Items", []), response.get("LastEvaluatedKey")


def query_all(
    hash_key: str, range_condition: Any = None, *, index: str | None = None, consistent: bool = False
) -> list[RawItem]:
    items, start = [], None
    while True:
        page, start = query(hash_key, range_condition, index=index, start=start, consistent=consistent)
        items += page
        if not start:
            return items

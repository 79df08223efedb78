"""Query requests on the single table, shared by every repository: kept apart from the contact
store so that lean handlers (tracking) can read and write their own items without importing it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from shared.db.models import table_connection
from shared.domain import sizes
from shared.keys import index_key_names

RawItem = dict[str, Any]
T = TypeVar("T")
_connection = table_connection()


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
    attributes: tuple[str, ...] | None = None,
) -> tuple[list[RawItem], RawItem | None]:
    """One Query request: its raw items (only `attributes` of each when named) and
    LastEvaluatedKey. Callers decide whether to go on."""
    response = _connection.query(
        hash_key,
        range_key_condition=range_condition,
        filter_condition=filter_condition,
        attributes_to_get=list(attributes) if attributes else None,
        index_name=index,
        limit=limit,
        exclusive_start_key=start,
        scan_index_forward=forward,
        consistent_read=consistent,
    )
    return response.get("Items", []), response.get("LastEvaluatedKey")


def key_after(raw: RawItem, index: str | None = None) -> RawItem:
    """The LastEvaluatedKey a Query of `index` (the table when None) gives right after `raw`:
    an ExclusiveStartKey that resumes after it."""
    names = ("pk", "sk") if index is None else ("pk", "sk", *index_key_names(index))
    return {name: raw[name] for name in names}


@dataclass
class Page(Generic[T]):
    """One Query's items, each with the key that resumes right after it, and the key after the
    whole page (None: nothing follows)."""

    items: list[T]
    resume_keys: list[RawItem]
    last: RawItem | None

    @classmethod
    def of(cls, raws: list[RawItem], last: RawItem | None, index: str | None, convert: Any) -> Page[T]:
        return cls([convert(raw) for raw in raws], [key_after(raw, index) for raw in raws], last)

    def fit(self, shaped: list[Any]) -> tuple[list[Any], RawItem | None]:
        """The answer's items (`shaped` holds one per item, None for an item left out, such as one
        the caller may not see) up to the response budget (shared.domain.sizes.fitting), and the
        key to resume after the last one answered."""
        kept = [(position, item) for position, item in enumerate(shaped) if item is not None]
        count = sizes.fitting(item for _, item in kept)
        if count == len(kept):
            return [item for _, item in kept], self.last
        return [item for _, item in kept[:count]], self.resume_keys[kept[count - 1][0]]


def query_all(
    hash_key: str, range_condition: Any = None, *, index: str | None = None, consistent: bool = False,
    attributes: tuple[str, ...] | None = None,
) -> list[RawItem]:
    items, start = [], None
    while True:
        page, start = query(hash_key, range_condition, index=index, start=start, consistent=consistent,
                            attributes=attributes)
        items += page
        if not start:
            return items

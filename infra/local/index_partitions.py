"""DynamoDB Queries in the embedded moto that read their partition, not the whole table.

moto answers every Query by walking all the items of the table (`Table.all_items`, which also
sorts them all): an index Query keeps the items whose index key matches, sorts them by the
index's keys, then skips up to the ExclusiveStartKey and stops at the Limit; a base-table
Query keeps the items of its partition key the same way. So each index Query costs the whole
table: on a tenant of 100,000 contacts a list page of 50 took seconds. DynamoDB reads only
the partition, from the start key on, as far as the Limit (or 1 MB)
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.html,
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Reading).

Here, per table and per index name (two indexes may share their key attributes), the items are
kept by index partition value, in the order moto sorts them (index sort key, then the table's
keys). A Query on an index hands moto's own Query only the items it would have kept and
reached: those of the partition inside the key condition's range, after the ExclusiveStartKey,
up to one past the Limit (or past 1 MB), plus the partition's next item after the range (moto
looks at it to decide whether to answer a LastEvaluatedKey). moto then filters, sorts, pages,
counts (ScannedCount) and projects them as before, so answers are moto's. A base-table Query
gets the items of its partition key (moto keeps them per partition key already). GetItem is a
dict lookup in moto; it is left alone.

An index's map is built on its first Query, then kept current on every write path moto has:
PutItem and DeleteItem (also under BatchWriteItem, TransactWriteItems and PartiQL), UpdateItem
(which changes an item in place), and `dynamo_limits.put_back` (a refused write or a
transaction rolled back). A table whose items were replaced (a restored backup) or whose index
changed its key schema is mapped again.

A KEYS_ONLY or INCLUDE index hands moto its entries, not the table's items: only the projected
attributes. DynamoDB sizes an index Query (its 1 MB page) by "the sizes of the index entries,
rather than the size of the item in the base table"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Reads);
moto sized and deep-copied whole items, then projected each through JSON and back
(`SecondaryIndex.project`, ~4 ms for a contact): counting 5,000 ids took seconds. Both the
entries and moto's `SecondaryIndex.project` now pick the projected attributes directly. A
ProjectionExpression of top-level attributes (`Item.project`) is picked the same way: moto
turned the whole item into JSON and back and sized the result, about 1 ms a projected item, so
a Query for the ids and sort keys of 2,500 search matches took over a second; a nested path
(`a.b`, `a[0]`) still goes through moto's own.

Not reproduced: moto also stops with a
LastEvaluatedKey when an item beyond the key condition's range would take the answer past
1 MB; here only the first such item is looked at.
"""

from __future__ import annotations

import bisect
import weakref
from collections.abc import Callable
from typing import Any

SortKey = tuple[Any, ...]
ItemKey = tuple[Any, Any]

_SMALL_MERGE = 16  # pending writes merged one by one into a partition's order; more: one sort


class _Partition:
    """The items of one index partition value by sort key (the values of `_Index.sort_attrs`),
    and those keys in order; keys written since the last read are sorted in on the next one."""

    def __init__(self) -> None:
        self.items: dict[SortKey, Any] = {}
        self._ordered: list[SortKey] = []
        self._pending: set[SortKey] = set()
        self._sizes: dict[SortKey, int] = {}  # of the entries a Query has sized, until their item changes

    def add(self, key: SortKey, item: Any) -> None:
        self.items[key] = item
        self._pending.add(key)
        self._sizes.pop(key, None)

    def size(self, key: SortKey, projected: tuple[str, ...] | None) -> int:
        """The size of the index entry at `key` (the item's projected attributes, or the whole item
        for an ALL index), computed once until the item changes."""
        size = self._sizes.get(key)
        if size is None:
            item = self.items[key]
            size = self._sizes[key] = (item if projected is None else index_entry(item, projected)).size()
        return size

    def remove(self, key: SortKey) -> None:
        del self.items[key]
        self._sizes.pop(key, None)
        if key in self._pending:
            self._pending.remove(key)
        else:
            del self._ordered[bisect.bisect_left(self._ordered, key)]

    def ordered(self) -> list[SortKey]:
        if len(self._pending) > _SMALL_MERGE:
            self._ordered = sorted(self._ordered + sorted(self._pending))  # two sorted runs: merged in one pass
        else:
            for key in self._pending:
                bisect.insort(self._ordered, key)
        self._pending.clear()
        return self._ordered


class _Index:
    """One index's items by partition value, for one table."""

    def __init__(self, table: Any, index: Any) -> None:
        self.schema = [dict(entry) for entry in index.schema]
        self.projected = projected_attributes(index)
        self.hash_attr = _single(index.schema, "HASH")
        self.range_attr = _single(index.schema, "RANGE")
        self.hash_attrs, self.range_attrs = _moto_sort_attributes(table, index)
        self.sort_attrs = table._generate_attr_to_sort_by(self.hash_attrs, self.range_attrs)[1:]
        self.partitions: dict[Any, _Partition] = {}
        self.where: dict[ItemKey, tuple[Any, SortKey]] = {}
        for item in every_item(table):
            self.add(item)

    def add(self, item: Any) -> None:
        attrs = item.attrs
        value = attrs.get(self.hash_attr)
        if value is None or (self.range_attr and self.range_attr not in attrs):
            return  # a sparse index: only items with all its key attributes are in it
        partition_value = _native(value)
        key = tuple(attrs[name].cast_value for name in self.sort_attrs)
        self.partitions.setdefault(partition_value, _Partition()).add(key, item)
        self.where[_item_key(item)] = (partition_value, key)

    def discard(self, item_key: ItemKey) -> None:
        found = self.where.pop(item_key, None)
        if found is not None:
            partition_value, key = found
            partition = self.partitions[partition_value]
            partition.remove(key)
            if not partition.items:
                del self.partitions[partition_value]


class _TableIndexes:
    def __init__(self, table: Any) -> None:
        self.items = table.items  # moto's dict: another one (a restored backup) means mapping again
        self.indexes: dict[str, _Index] = {}


_TABLES: weakref.WeakKeyDictionary[Any, _TableIndexes] = weakref.WeakKeyDictionary()


def forget(table: Any) -> None:
    """Drop a table's index maps (its items were put in place directly): the next Query maps it again."""
    _TABLES.pop(table, None)


def refresh(table: Any, hash_value: Any, range_value: Any) -> None:
    """Bring the mapped indexes of `table` up to date with its item at this key (gone or changed)."""
    mapped = _TABLES.get(table)
    if mapped is None or not mapped.indexes:
        return
    if mapped.items is not table.items:
        del _TABLES[table]
        return
    item_key = (_native(hash_value), _native(range_value) if range_value is not None else None)
    current = table.get_item(hash_value, range_value) if (range_value is not None or not table.range_key_attr) else None
    for index in mapped.indexes.values():
        index.discard(item_key)
        if current is not None:
            index.add(current)


def _index_of(table: Any, index: Any) -> _Index | None:
    """The map of one index (built now if needed); None for keys this module does not handle
    (several attributes in a key: moto's own walk answers)."""
    if len([entry for entry in index.schema if entry["KeyType"] == "HASH"]) != 1 or \
            len([entry for entry in index.schema if entry["KeyType"] == "RANGE"]) > 1:
        return None
    mapped = _TABLES.get(table)
    if mapped is None or mapped.items is not table.items:
        mapped = _TABLES[table] = _TableIndexes(table)
    found = mapped.indexes.get(index.name)
    if found is None or found.schema != index.schema:
        found = mapped.indexes[index.name] = _Index(table, index)
    return found


def _candidates(table: Any, index: _Index, hash_key: Any, range_comparison: str | None, range_objs: list[Any],
               limit: int | None, exclusive_start_key: dict[str, Any] | None,
               forward: bool) -> tuple[list[Any], list[int], int]:
    """The items of the index partition `hash_key` that moto's Query would reach, in the Query's
    order, the sizes of their index entries, and how many of them are inside the key condition's
    range (all but the partition's next item after the range, which moto looks at to end a full
    page). The key tests read the items themselves: an entry holds the same key attributes."""
    from moto.dynamodb.models.table import RESULT_SIZE_LIMIT

    partition = index.partitions.get(_native(hash_key))
    if partition is None:
        return [], [], 0
    ordered = partition.ordered()
    items = partition.items
    at: Callable[[int], Any] = lambda position: items[ordered[position]]  # noqa: E731
    low, high = 0, len(ordered)
    if range_comparison:
        place = _place_in_range(index.range_attr, range_comparison, range_objs)
        low = _first(0, len(ordered), lambda position: place(at(position)) >= 0)
        high = _first(low, len(ordered), lambda position: place(at(position)) > 0)
    if exclusive_start_key is not None:
        before = lambda position: table._item_comes_before_dct(  # noqa: E731 - moto's own test of "already read"
            at(position), exclusive_start_key, index.hash_attrs, index.range_attrs, forward)
        if forward:
            start = _first(low, high, lambda position: not before(position))
        else:
            start = _first(low, high, before) - 1
    else:
        start = low if forward else high - 1
    step = 1 if forward else -1
    found: list[Any] = []
    sizes: list[int] = []
    total = 0
    position = start
    while low <= position < high:
        found.append(at(position))
        sizes.append(partition.size(ordered[position], index.projected))
        total += sizes[-1]
        if (limit is not None and len(found) > limit) or (limit is None and total > RESULT_SIZE_LIMIT):
            break
        position += step
    else:
        beyond = high if forward else low - 1
        if range_comparison and 0 <= beyond < len(ordered):
            found.append(at(beyond))
            sizes.append(partition.size(ordered[beyond], index.projected))
            return found, sizes, len(found) - 1
    return found, sizes, len(found)


def as_entries(index: _Index, items: list[Any], sizes: list[int]) -> list[Any]:
    """The items as the index holds them, for moto's own Query loop (each entry's size known)."""
    if index.projected is None:
        return items
    entries = [index_entry(item, index.projected) for item in items]
    for entry, size in zip(entries, sizes, strict=False):
        entry._size = size
    return entries


_OPERATORS = {"=": "EQ", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE"}  # moto's names for them vary by API


def _place_in_range(range_attr: str, comparison: str, objects: list[Any]) -> Callable[[Any], int]:
    """-1 before the key condition's range of sort key values, 0 inside it, 1 after it: the
    range is one run of the ordered partition (moto's `compare` decides what is inside)."""
    operator = _OPERATORS.get(comparison, comparison.upper())

    def place(item: Any) -> int:
        value = item.attrs[range_attr]
        if value.type != objects[0].type:
            return 1  # never inside (DynamoDB refuses such a condition; moto finds nothing)
        if value.compare(comparison, objects):
            return 0
        if operator in ("GT", "GE"):
            return -1
        if operator in ("LT", "LE"):
            return 1
        return -1 if value < objects[0] else 1  # EQ, BETWEEN, BEGINS_WITH

    return place


def projected_attributes(index: Any) -> tuple[str, ...] | None:
    """The attributes a KEYS_ONLY or INCLUDE index holds of an item (table keys, index keys, then
    NonKeyAttributes); None for ALL."""
    projection = index.projection or {}
    kind = projection.get("ProjectionType")
    if kind not in ("KEYS_ONLY", "INCLUDE"):
        return None
    names = [*index.table_key_attrs, *(entry["AttributeName"] for entry in index.schema)]
    if kind == "INCLUDE":
        names += projection.get("NonKeyAttributes", [])
    return tuple(dict.fromkeys(names))


def index_entry(item: Any, names: tuple[str, ...]) -> Any:
    """The item as the index holds it: only `names`, their values shared with the item.

    Made without moto's BaseModel.__new__, which lists every instance for its /moto-api/data.json
    page (moto_stack stops that for the classes it knows; this one is made later): each Query's
    entries would stay in memory for good."""
    entry_class, attributes_class = _ENTRY_TYPES[0] if _ENTRY_TYPES else _entry_types()
    entry = object.__new__(entry_class)
    entry.hash_key, entry.range_key, entry.names, entry._size = item.hash_key, item.range_key, names, None
    attrs = entry.attrs = dict.__new__(attributes_class)
    present = item.attrs
    dict.update(attrs, {name: present[name] for name in names if name in present})  # not LimitedSizeDict's sizing set
    return entry


_ENTRY_TYPES: list[tuple[type, type]] = []  # (IndexEntry, moto's LimitedSizeDict), made on first use
# moto's own SecondaryIndex.project and Item.project, for the tests that compare answers with moto's
MOTO_PROJECT: list[Callable[..., Any]] = []
MOTO_ITEM_PROJECT: list[Callable[..., Any]] = []


def top_level_names(projection_expressions: list[list[str]]) -> tuple[str, ...] | None:
    """The attribute names of a ProjectionExpression made of top-level names only (moto hands it
    over parsed: `a, #b` → [["a"], ["b"]]); None when a path is nested or indexes a list."""
    if any(len(path) != 1 or "[" in path[0] for path in projection_expressions):
        return None
    return tuple(path[0] for path in projection_expressions)


# moto projects each item of an answer with the same parsed expression: the last one, with its names
_last_expression: tuple[Any, tuple[str, ...] | None] = (None, None)


def _top_level_names_once(projection_expressions: list[list[str]]) -> tuple[str, ...] | None:
    global _last_expression
    expression, names = _last_expression
    if expression is not projection_expressions:
        names = top_level_names(projection_expressions)
        _last_expression = (projection_expressions, names)
    return names


def _index_projection(index: Any) -> tuple[str, ...] | None:
    """`projected_attributes` of the index, worked out again only when its projection or key schema
    is replaced (moto's UpdateTable assigns new ones)."""
    cached = getattr(index, "_projected_attributes", None)
    if cached is None or cached[0] is not index.projection or cached[1] is not index.schema:
        cached = index._projected_attributes = (index.projection, index.schema, projected_attributes(index))
    return cached[2]


def _entry_types() -> tuple[type, type]:
    """moto's Item for an index entry made for one Query: its size is computed once (moto asks
    three times per entry), and moto's deep copy of a Query's answer (so that the answer cannot
    change the stored item) keeps it, as nothing stores it."""
    if not _ENTRY_TYPES:
        from moto.dynamodb.models.dynamo_type import Item, LimitedSizeDict

        class IndexEntry(Item):  # type: ignore[misc]
            """Made by index_entry only."""

            _size: int | None
            names: tuple[str, ...]

            def size(self) -> int:
                if self._size is None:
                    self._size = super().size()
                return self._size

            def __deepcopy__(self, memo: dict[int, Any]) -> Any:
                return self

        _ENTRY_TYPES.append((IndexEntry, LimitedSizeDict))
    return _ENTRY_TYPES[0]


def _first(low: int, high: int, holds: Callable[[int], bool]) -> int:
    """The first position in [low, high) where `holds` (false before it, true from it on); high if none."""
    while low < high:
        middle = (low + high) // 2
        if holds(middle):
            high = middle
        else:
            low = middle + 1
    return low


def _moto_sort_attributes(table: Any, index: Any) -> tuple[list[str], list[str | None]]:
    """The hash and range attribute lists moto's Query sorts and pages an index by."""
    from moto.dynamodb.models.table import GlobalSecondaryIndex

    range_attr = _single(index.schema, "RANGE")
    hash_attrs = [_single(index.schema, "HASH"), table.hash_key_attr]
    if range_attr:
        return hash_attrs, [range_attr, table.range_key_attr]
    if isinstance(index, GlobalSecondaryIndex) and table.range_key_attr:
        return hash_attrs, [table.range_key_attr, table.range_key_attr]
    return hash_attrs, [table.hash_key_attr, table.range_key_attr]


def _single(schema: list[dict[str, str]], key_type: str) -> Any:
    return next((entry["AttributeName"] for entry in schema if entry["KeyType"] == key_type), None)


def _native(value: Any) -> Any:
    return value.type, value.cast_value


def _item_key(item: Any) -> ItemKey:
    return _native(item.hash_key), _native(item.range_key) if item.range_key is not None else None


def every_item(table: Any) -> list[Any]:
    """A table's items in no particular order (moto's `all_items` sorts them all)."""
    if table.range_key_attr:
        return [item for group in table.items.values() for item in group.values()]
    return list(table.items.values())


def install() -> None:
    """Patch moto (once): Queries read their partition; writes keep the index maps current;
    index entries hold their projected attributes only."""
    from moto.dynamodb.comparisons import OpDefault  # moto's FilterExpression when there is none
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import SecondaryIndex, Table

    if getattr(Table, "queries_by_partition", False):  # once: other patches wrap Table.query after it
        return
    Table.queries_by_partition = True
    query, put_item, delete_item = Table.query, Table.put_item, Table.delete_item
    update_item = DynamoDBBackend.update_item

    def partition_query(self: Table, hash_key: Any, range_comparison: Any, range_objs: Any, limit: Any,
                        exclusive_start_key: Any, scan_index_forward: Any, projection_expressions: Any,
                        index_name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        reached, ordered = _reached(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
                                    scan_index_forward, index_name, kwargs)
        # moto's DynamoDBBackend.query passes (consistent_read, filter_expression) by position
        filter_expression = args[1] if len(args) > 1 else kwargs.get("filter_expression")
        if ordered is not None and (filter_expression is None or isinstance(filter_expression, OpDefault)):
            # no filter: moto's own checks of the request (the index, a consistent read of a GSI) on no items
            self.all_items = lambda: []
            try:
                query(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
                      scan_index_forward, projection_expressions, index_name, *args, **kwargs)
            finally:
                del self.all_items
            return _page(self, index_name, reached, ordered, limit, projection_expressions)
        if ordered is not None:
            reached = as_entries(ordered[0], reached, ordered[1])
        self.all_items = lambda: reached
        if ordered is not None:  # moto sorts them ascending (then reverses them for a backward Query)
            self.sorted_items = lambda hash_attrs, range_attrs, items: items if scan_index_forward is not False \
                else items[::-1]
        try:
            return query(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
                         scan_index_forward, projection_expressions, index_name, *args, **kwargs)
        finally:
            del self.all_items
            if ordered is not None:
                del self.sorted_items

    def put(self: Table, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        item = put_item(self, item_attrs, *args, **kwargs)
        refresh(self, item.hash_key, item.range_key)
        return item

    def delete(self: Table, hash_key: Any, range_key: Any = None) -> Any:
        item = delete_item(self, hash_key, range_key)
        refresh(self, hash_key, range_key)
        return item

    def update(self: DynamoDBBackend, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        from moto.dynamodb.models.dynamo_type import DynamoType

        try:
            return update_item(self, table_name, key, *args, **kwargs)
        finally:  # moto changes the item in place, also when it then refuses the update
            table = self.tables.get(table_name)
            if table is not None and table.hash_key_attr in key:
                refresh(table, DynamoType(key[table.hash_key_attr]),
                        DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None)

    def project(self: SecondaryIndex, item: Any) -> Any:
        names = _index_projection(self)
        if names is None or getattr(item, "names", None) == names:
            return item  # ALL, or already this index's entry
        return index_entry(item, names)

    moto_item_project = Item.project

    def project_expression(self: Item, projection_expressions: list[list[str]]) -> Any:
        names = _top_level_names_once(projection_expressions)
        return moto_item_project(self, projection_expressions) if names is None else index_entry(self, names)

    Table.query, Table.put_item, Table.delete_item = partition_query, put, delete
    DynamoDBBackend.update_item = update
    MOTO_PROJECT.append(SecondaryIndex.project)
    SecondaryIndex.project = project
    MOTO_ITEM_PROJECT.append(moto_item_project)
    Item.project = project_expression


def _page(table: Any, index_name: str | None, reached: list[Any], ordered: tuple[_Index, list[int], int],
          limit: int | None,
          projection_expressions: list[list[str]] | None) -> tuple[list[Any], int, dict[str, Any] | None]:
    """What moto's Query loop answers (items, ScannedCount, LastEvaluatedKey) for a Query without
    a filter, from what `_candidates` reached: the items in the Query's order, their entries'
    sizes, and how many are inside the key condition's range (all past the ExclusiveStartKey).
    moto compared each item's keys again and deep-copied and projected each twice, most of a
    Query's time; here each answered entry is made once, with the attributes it shows."""
    from moto.dynamodb.models.table import RESULT_SIZE_LIMIT

    index, sizes, within = ordered
    results: list[Any] = []
    total, last_evaluated_key = 0, None
    for position, item in enumerate(reached):
        if len(results) == limit or total + sizes[position] > RESULT_SIZE_LIMIT:  # moto's test, in its order
            last_evaluated_key = table._get_last_evaluated_key(results[-1], index_name)
            break
        if position >= within:
            break
        results.append(item)
        total += sizes[position]
    scanned = len(results)
    names = _top_level_names_once(projection_expressions) if projection_expressions else None
    if names is not None:  # the entries' attributes that the expression names, picked at once
        shown = names if index.projected is None else tuple(name for name in names if name in index.projected)
        return [index_entry(item, shown) for item in results], scanned, last_evaluated_key
    results = as_entries(index, results, sizes)
    if projection_expressions:
        results = [item.project(projection_expressions) for item in results]
    return results, scanned, last_evaluated_key


def _reached(table: Any, hash_key: Any, range_comparison: Any, range_objs: Any, limit: Any,
             exclusive_start_key: Any, scan_index_forward: Any, index_name: str | None,
             options: dict[str, Any]) -> tuple[list[Any], tuple[_Index, list[int], int] | None]:
    """What moto's Query walks instead of the whole table: the reached part of the index
    partition in the Query's order, with the index map, the entries' sizes and how many are
    inside the key condition's range (`_candidates`); or, with None, the partition of a
    base-table Query.
    Queries this module does not narrow (several key attributes, the legacy QueryFilter) walk
    every item, unsorted (moto's walk sorts the whole table first, then its matches again: only
    the second order counts)."""
    legacy_filter = any(name not in ("consistent_read", "filter_expression", "hash_key_conditions",
                                     "range_key_conditions") for name in options)
    multi_attribute = len(options.get("range_key_conditions") or []) > 1 or \
        len(options.get("hash_key_conditions") or []) > 1
    if hash_key is not None and not legacy_filter and not multi_attribute:
        if index_name is None:
            group = table.items.get(hash_key)  # .get: moto's defaultdict would add the partition
            if group is None:
                return [], None
            return list(group.values()) if table.range_key_attr else [group], None
        index = next((found for found in table.all_indexes() if found.name == index_name), None)
        mapped = _index_of(table, index) if index is not None else None
        if mapped is not None:
            items, sizes, within = _candidates(table, mapped, hash_key, range_comparison, range_objs, limit,
                                               exclusive_start_key, scan_index_forward is not False)
            return items, (mapped, sizes, within)
    return every_item(table), None

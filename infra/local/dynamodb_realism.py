"""Two DynamoDB behaviours moto does not have, for the tests and the load runs that ask for them.

moto applies each request at once, one at a time (`_SerialisedMoto`), and derives its indexes
from the items as they are: a global secondary index is never behind its table, and no write
ever meets a transaction in flight. DynamoDB does both:

- `IndexLag`: all reads from a global secondary index are eventually consistent; a write reaches
  the index shortly after the table (usually within a second), so an index Query may not see it
  yet (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html,
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Writes).
  An item written less than `seconds` ago is left out of index Queries (DynamoDB would show its
  previous version, or nothing: leaving it out is the harder case for the caller).
- `TransactionWindow`: a TransactWriteItems holds its items while it runs; another transaction
  on one of them is cancelled (TransactionCanceledException, reason TransactionConflict at that
  item), and a PutItem, UpdateItem or DeleteItem of one of them fails with
  TransactionConflictException
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-conflict-handling).
  A transaction that went through holds its items for `seconds` afterwards, as if it were
  still running. Nothing waits inside the emulator (its lock is never held longer): the
  requests that meet the window are refused at once, and retried by the product.

Both are off (0 s) unless `CRM_LOCAL_INDEX_LAG_MS` / `CRM_LOCAL_TRANSACTION_MS` say otherwise, or
a test sets `INDEX_LAG.seconds` / `TRANSACTION_WINDOW.seconds`: the suite's other tests read their
writes back through indexes at once and would wait for the lag.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

_PRUNE_AT = 10_000  # remembered writes before the expired ones are dropped


def _env_seconds(name: str) -> float:
    return float(os.environ.get(name) or 0) / 1000


def _key(table_name: str, hash_value: Any, range_value: Any) -> tuple[str, str, str]:
    """An item's identity: its table and key values in DynamoDB JSON ({"S": ...}; None: no range key)."""
    return table_name, json.dumps(hash_value, sort_keys=True), json.dumps(range_value, sort_keys=True)


def _key_of(table: Any, attributes: dict[str, Any]) -> tuple[str, str, str]:
    """The identity of an item or key given in DynamoDB JSON."""
    range_value = attributes.get(table.range_key_attr) if table.range_key_attr else None
    return _key(table.name, attributes.get(table.hash_key_attr), range_value)


def _key_of_values(table: Any, hash_value: Any, range_value: Any) -> tuple[str, str, str]:
    """The identity of an item given by moto's key values (DynamoType)."""
    return _key(table.name, hash_value.to_json(), range_value.to_json() if range_value is not None else None)


class _Until:
    """Keys with the time until which something holds them (monotonic clock)."""

    def __init__(self) -> None:
        self._until: dict[tuple[str, str, str], float] = {}

    def hold(self, key: tuple[str, str, str], seconds: float) -> None:
        now = time.monotonic()
        if len(self._until) > _PRUNE_AT:
            self._until = {held: until for held, until in self._until.items() if until > now}
        self._until[key] = now + seconds

    def held(self, key: tuple[str, str, str]) -> bool:
        return self._until.get(key, 0.0) > time.monotonic()


class IndexLag:
    def __init__(self) -> None:
        self.seconds = _env_seconds("CRM_LOCAL_INDEX_LAG_MS")
        self._written = _Until()

    def written(self, key: tuple[str, str, str]) -> None:
        if self.seconds > 0:
            self._written.hold(key, self.seconds)

    def visible(self, table: Any, item: Any) -> bool:
        return self.seconds <= 0 or not self._written.held(_key_of_values(table, item.hash_key, item.range_key))


class TransactionWindow:
    def __init__(self) -> None:
        self.seconds = _env_seconds("CRM_LOCAL_TRANSACTION_MS")
        self._running = _Until()
        self.cancelled = self.refused = 0  # transactions cancelled, plain writes refused (for the logs)

    def refuse_plain_write(self, table: Any, key: dict[str, Any]) -> None:
        from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException

        if self.seconds > 0 and self._running.held(_key_of(table, key)):
            self.refused += 1
            raise DynamodbException(ERROR_TYPE_PREFIX + "TransactionConflictException",
                                    "Transaction is ongoing for the item")

    def refuse_transaction(self, keys: list[tuple[str, str, str] | None]) -> None:
        """Cancel the transaction if one of its items is held (`None`: an item we cannot name)."""
        from moto.dynamodb.exceptions import TransactionCanceledException

        if self.seconds <= 0:
            return
        conflicts = [key is not None and self._running.held(key) for key in keys]
        if any(conflicts):
            self.cancelled += 1
            raise TransactionCanceledException(
                [("TransactionConflict", "Transaction is ongoing for the item", None)
                 if conflict else (None, None, None) for conflict in conflicts])

    def ran(self, keys: list[tuple[str, str, str] | None]) -> None:
        if self.seconds > 0:
            for key in keys:
                if key is not None:
                    self._running.hold(key, self.seconds)


INDEX_LAG = IndexLag()
TRANSACTION_WINDOW = TransactionWindow()


def install() -> None:
    """Patch moto (once): writes are remembered for the index lag, index Queries leave out what
    the lag hides, and requests meeting a transaction's window are refused."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler

    if getattr(Table, "realism_installed", False):
        return
    Table.realism_installed = True

    put_item, delete_item, update_item = Table.put_item, Table.delete_item, DynamoDBBackend.update_item
    query = Table.query

    def remembered_put(self: Table, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        result = put_item(self, item_attrs, *args, **kwargs)
        INDEX_LAG.written(_key_of(self, item_attrs))
        return result

    def remembered_delete(self: Table, hash_value: Any, range_value: Any = None) -> Any:
        result = delete_item(self, hash_value, range_value)
        INDEX_LAG.written(_key_of_values(self, hash_value, range_value))
        return result

    def remembered_update(self: DynamoDBBackend, table_name: str, key: dict[str, Any], *args: Any,
                          **kwargs: Any) -> Any:
        result = update_item(self, table_name, key, *args, **kwargs)
        INDEX_LAG.written(_key_of(self.get_table(table_name), key))
        return result

    def lagging_query(self: Table, hash_key: Any, range_comparison: Any, range_objs: Any, limit: Any,
                      exclusive_start_key: Any, scan_index_forward: Any, projection_expressions: Any,
                      index_name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        results, scanned, last_key = query(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
                                           scan_index_forward, projection_expressions, index_name, *args, **kwargs)
        if index_name and INDEX_LAG.seconds > 0:
            results = [item for item in results if INDEX_LAG.visible(self, item)]
        return results, scanned, last_key

    Table.put_item, Table.delete_item, DynamoDBBackend.update_item = \
        remembered_put, remembered_delete, remembered_update
    Table.query = lagging_query

    for operation in ("put_item", "update_item", "delete_item"):
        _refuse_plain_writes_in_window(DynamoHandler, operation)
    transact = DynamoHandler.transact_write_items

    def windowed_transaction(self: DynamoHandler) -> Any:
        keys = [_transaction_key(self.dynamodb_backend, entry) for entry in self.body.get("TransactItems", [])]
        TRANSACTION_WINDOW.refuse_transaction(keys)
        result = transact(self)
        TRANSACTION_WINDOW.ran(keys)
        return result

    DynamoHandler.transact_write_items = windowed_transaction


def _refuse_plain_writes_in_window(handler: Any, operation: str) -> None:
    send = getattr(handler, operation)

    def refused_in_window(self: Any) -> Any:
        table = self.dynamodb_backend.tables.get(self.body.get("TableName"))
        key = self.body.get("Key") or self.body.get("Item")
        if table is not None and key:
            TRANSACTION_WINDOW.refuse_plain_write(table, key)
        return send(self)

    setattr(handler, operation, refused_in_window)


def _transaction_key(backend: Any, entry: dict[str, Any]) -> tuple[str, str, str] | None:
    ((_, operation),) = entry.items()
    table = backend.tables.get(operation.get("TableName"))
    key = operation.get("Key") or operation.get("Item")
    return _key_of(table, key) if table is not None and key else None

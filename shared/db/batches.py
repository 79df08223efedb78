"""BatchGetItem and BatchWriteItem for every repository, with what DynamoDB leaves undone sent
again after an exponential backoff with jitter, as AWS asks
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html#Programming.Errors.BatchOperations):
a batch whose items' partitions are throttled answers them as UnprocessedKeys/UnprocessedItems
instead of failing. (PynamoDB's own batch_get resends them at once and forever; its batch_write
twice at once, then fails.) Still undone after BATCH_TRIES requests: Busy (503), and the caller
sends it again later."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from shared.db.models import TableItem, table_connection
from shared.db.retries import backoff, busy

GET_KEYS = 100  # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html
WRITE_ITEMS = 25  # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html
BATCH_TRIES = 8

Model = TypeVar("Model", bound=TableItem)
_connection = table_connection()


def _raw_key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _retry_backoff(attempt: int) -> None:
    """Longer than a transaction's: a batch left undone was throttled, not contended."""
    backoff(attempt, base=0.05, cap=1.0)


def get(model: type[Model], keys: Iterable[tuple[str, str]], *, consistent_read: bool = False) -> Iterator[Model]:
    """The items at `keys` (pk, sk) that exist, as `model` (TableItem: each as its kind), 100
    keys per BatchGetItem; duplicate keys are read once."""
    yield from (model.from_raw_data(raw) for raw in get_raw(keys, consistent_read=consistent_read))


def get_raw(keys: Iterable[tuple[str, str]], *, consistent_read: bool = False,
            attributes: tuple[str, ...] | None = None) -> Iterator[dict[str, Any]]:
    """The raw items at `keys` that exist (only `attributes` of each when named), 100 keys per
    BatchGetItem; duplicate keys are read once."""
    unique = list(dict.fromkeys(keys))
    table = TableItem.Meta.table_name
    for start in range(0, len(unique), GET_KEYS):
        found: list[dict[str, Any]] = []

        def send(pending: list[dict[str, Any]]) -> list[dict[str, Any]]:
            data = _connection.batch_get_item(
                pending,  # type: ignore[arg-type]  # PynamoDB types the keys as str; they are key maps
                consistent_read=consistent_read, attributes_to_get=list(attributes) if attributes else None)
            found.extend(data.get("Responses", {}).get(table, []))  # noqa: B023 - called before the loop moves on
            return data.get("UnprocessedKeys", {}).get(table, {}).get("Keys") or []

        _until_processed(send, [_raw_key(pk, sk) for pk, sk in unique[start:start + GET_KEYS]])
        yield from found


def _until_processed(send: Callable[[list[dict[str, Any]]], list[dict[str, Any]]],
                     pending: list[dict[str, Any]]) -> None:
    """Send `pending`, then what DynamoDB leaves unprocessed, after a backoff, until nothing is
    left; Busy after BATCH_TRIES requests."""
    attempt = 0
    while pending:
        if attempt == BATCH_TRIES:
            raise busy()
        if attempt:
            _retry_backoff(attempt - 1)
        pending = send(pending)
        attempt += 1


class Writer:
    """Puts and deletes gathered into BatchWriteItem requests of 25 (see `writing`)."""

    def __init__(self) -> None:
        self._requests: list[dict[str, Any]] = []

    def save(self, model: TableItem) -> None:
        self._add({"PutRequest": {"Item": model.serialize()}})

    def delete(self, model: TableItem) -> None:
        self._add({"DeleteRequest": {"Key": _raw_key(model.pk, model.sk)}})

    def _add(self, request: dict[str, Any]) -> None:
        self._requests.append(request)
        if len(self._requests) == WRITE_ITEMS:
            self.flush()

    def flush(self) -> None:
        pending, self._requests = self._requests, []
        _until_processed(self._send, pending)

    @staticmethod
    def _send(pending: list[dict[str, Any]]) -> list[dict[str, Any]]:
        puts = [request["PutRequest"]["Item"] for request in pending if "PutRequest" in request]
        deletes = [request["DeleteRequest"]["Key"] for request in pending if "DeleteRequest" in request]
        data = _connection.batch_write_item(put_items=puts, delete_items=deletes) or {}
        return data.get("UnprocessedItems", {}).get(TableItem.Meta.table_name) or []


@contextmanager
def writing() -> Iterator[Writer]:
    """A Writer whose last requests go when the block ends without an error."""
    writer = Writer()
    yield writer
    writer.flush()

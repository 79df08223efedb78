"""Count DynamoDB requests and items read with a botocore event hook on the client in use."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator


WRITE_OPERATIONS = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")


@dataclass
class Reads:
    requests: Counter = field(default_factory=Counter)
    items_read: int = 0

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    @property
    def writes(self) -> int:
        return sum(self.requests[name] for name in WRITE_OPERATIONS)

    def record(self, operation: str, parsed: dict[str, Any]) -> None:
        self.requests[operation] += 1
        if operation in ("Query", "Scan"):
            self.items_read += parsed.get("ScannedCount", 0)
        elif operation == "GetItem":
            self.items_read += 1 if parsed.get("Item") else 0
        elif operation == "BatchGetItem":
            self.items_read += sum(len(items) for items in parsed.get("Responses", {}).values())


class DynamoCounter:
    """Attach once to a botocore client; `measure()` collects what happens inside it."""

    def __init__(self, client: Any):
        self._current: Reads | None = None
        self._client = client
        client.meta.events.register("after-call.dynamodb", self._after_call)

    def close(self) -> None:
        self._client.meta.events.unregister("after-call.dynamodb", self._after_call)

    def _after_call(self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if self._current is not None:
            self._current.record(model.name, parsed)

    @contextmanager
    def measure(self) -> Iterator[Reads]:
        reads = Reads()
        self._current = reads
        try:
            yield reads
        finally:
            self._current = None

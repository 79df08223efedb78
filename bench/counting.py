"""Count DynamoDB requests and what they read with botocore event hooks on the client in use:
whole items (contacts, and entries of ALL-projected indexes) apart from keys (entries of a
KEYS_ONLY index, or of an INCLUDE index projecting keys and the contact's sort keys: a fraction
of an item's size)."""

from __future__ import annotations

import functools
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

WRITE_OPERATIONS = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")


@functools.cache
def key_entry_indexes() -> frozenset[str]:
    """The table's indexes that do not project whole items (KEYS_ONLY, INCLUDE), as template.yaml
    (the one definition) declares them."""
    from infra.template import table_definition

    return frozenset(index["IndexName"] for index in table_definition()["GlobalSecondaryIndexes"]
                     if index["Projection"]["ProjectionType"] != "ALL")


@dataclass
class Reads:
    requests: Counter = field(default_factory=Counter)
    items_read: int = 0  # whole items: GetItem, BatchGetItem, Scan, Query on the table or an ALL-projected index
    keys_read: int = 0  # entries of a KEYS_ONLY or INCLUDE index read by Query

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    @property
    def entries_read(self) -> int:
        """Items and index keys together (a page's "index entries and contacts")."""
        return self.items_read + self.keys_read

    @property
    def writes(self) -> int:
        return sum(self.requests[name] for name in WRITE_OPERATIONS)

    def record(self, operation: str, parsed: dict[str, Any], index: str | None = None) -> None:
        self.requests[operation] += 1
        if operation == "Query" and index in key_entry_indexes():
            self.keys_read += parsed.get("ScannedCount", 0)
        elif operation in ("Query", "Scan"):
            self.items_read += parsed.get("ScannedCount", 0)
        elif operation == "GetItem":
            self.items_read += 1 if parsed.get("Item") else 0
        elif operation == "BatchGetItem":
            self.items_read += sum(len(items) for items in parsed.get("Responses", {}).values())


class DynamoCounter:
    """Attach once to a botocore client; `measure()` collects what happens inside it (requests
    sent from several threads at once included)."""

    def __init__(self, client: Any):
        self._current: Reads | None = None
        self._lock = threading.Lock()
        self._client = client
        client.meta.events.register("before-parameter-build.dynamodb", self._before_call)
        client.meta.events.register("after-call.dynamodb", self._after_call)

    def close(self) -> None:
        self._client.meta.events.unregister("before-parameter-build.dynamodb", self._before_call)
        self._client.meta.events.unregister("after-call.dynamodb", self._after_call)

    @staticmethod
    def _before_call(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["bench_index"] = params.get("IndexName")  # the request context reaches after-call

    def _after_call(self, http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any],
                    **_: Any) -> None:
        with self._lock:
            if self._current is not None:
                self._current.record(model.name, parsed, context.get("bench_index"))

    @contextmanager
    def measure(self) -> Iterator[Reads]:
        reads = Reads()
        self._current = reads
        try:
            yield reads
        finally:
            self._current = None


def seated(claims: dict[str, str]) -> dict[str, str]:
    """`claims` whose user is an active member of their tenant in the member directory (every
    request checks its member): the directory's side only, as the tests' callers are seated."""
    from shared.services import members

    members.seat(claims["custom:tenant_id"], claims["sub"], claims["email"], claims["custom:role"], claims.get("name"))
    return claims


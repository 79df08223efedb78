"""Retries of DynamoDB contention that botocore leaves to the caller, with "full jitter"
exponential backoff (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html#Programming.Errors.RetryAndBackoff).

Kept apart from the models and repositories (it imports neither), so that shared.db.models can
install the plain-write retry on the one connection every item kind shares."""

from __future__ import annotations

import random
import time
from typing import Any

from shared.db.pynamodb_internals import Send
from shared.errors import Busy

# A PutItem, UpdateItem or DeleteItem that meets a transaction in flight on its item fails with
# TransactionConflictException, which the SDKs do not retry
# (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-conflict-handling).
_PLAIN_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem"})
PLAIN_WRITE_TRIES = 6


def backoff(attempt: int, base: float = 0.02, cap: float = 0.5) -> None:
    """Sleep a "full jitter" exponential backoff before retry number `attempt` (0-based)."""
    time.sleep(random.uniform(0, min(cap, base * 2**attempt)))


def busy() -> Busy:
    return Busy("The contact store is busy; retry in a moment.")


def retry_conflicting_writes(send: Send) -> Send:
    """`send` (a PynamoDB connection's requests, shared.db.pynamodb_internals) sending a plain
    write again, after a backoff, when it met a transaction in flight (a transaction holds an
    item for milliseconds, so the write soon goes through); Busy (503) when the item stays
    contended. Conditions and every other error are the caller's, as before."""

    def send_retrying_conflicts(operation_name: str, operation_kwargs: dict[str, Any]) -> dict[str, Any]:
        if operation_name not in _PLAIN_WRITES:
            return send(operation_name, operation_kwargs)
        attempt = 0
        while True:
            try:
                return send(operation_name, operation_kwargs)
            except Exception as error:  # PynamoDB's VerboseClientError (a botocore ClientError)
                code = (getattr(error, "response", None) or {}).get("Error", {}).get("Code")
                if code != "TransactionConflictException":
                    raise
                if attempt == PLAIN_WRITE_TRIES - 1:
                    raise busy() from error
                backoff(attempt)
                attempt += 1

    return send_retrying_conflicts

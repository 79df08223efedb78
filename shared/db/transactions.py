"""A TransactWriteItems builder that knows which item failed, and retries contention.

PynamoDB sends a transaction's items in a fixed order (condition checks, deletes, puts,
updates); each item here carries a label in that same order, so a cancellation reason can
be traced back to what it means (a duplicate email, a stale tenant config, ...).
"""

from __future__ import annotations

import uuid
from typing import Any

from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from shared.db.models import table_connection
from shared.db.retries import backoff, busy
from shared.domain.sizes import action_size
from shared.errors import still_throttled

MAX_ITEMS = 100
_RETRIED_CODES = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}


class ConditionFailed(Exception):
    """A condition of the transaction did not hold; `labels` names the items whose did not."""

    def __init__(self, labels: list[str]):
        super().__init__(", ".join(labels))
        self.labels = labels


class Transaction:
    def __init__(self) -> None:
        # A token makes botocore's own retry of a request that timed out after DynamoDB applied
        # it a no-op instead of a second attempt (which would fail its conditions).
        self._write = TransactWrite(connection=table_connection().connection,
                                    client_request_token=uuid.uuid4().hex)
        self._labels: dict[str, list[str]] = {"check": [], "delete": [], "put": [], "update": []}
        self.size = 0  # bytes toward DynamoDB's 4 MB per transaction (shared.domain.sizes)

    def __len__(self) -> int:
        return sum(len(labels) for labels in self._labels.values())

    def _count(self, operations: list[dict[str, Any]]) -> None:
        self.size += action_size(operations[-1])

    def check(self, label: str, model_cls: type, hash_key: str, range_key: str, condition: Any) -> None:
        self._write.condition_check(model_cls, hash_key, range_key, condition=condition)
        self._count(self._write._condition_check_items)
        self._labels["check"].append(label)

    def delete(self, label: str, model: Any, condition: Any = None, *, version_checked: bool = True) -> None:
        self._write.delete(model, condition=condition, add_version_condition=version_checked)
        self._count(self._write._delete_items)
        self._labels["delete"].append(label)

    def put(self, label: str, model: Any, condition: Any = None) -> None:
        self._write.save(model, condition=condition)
        self._count(self._write._put_items)
        self._labels["put"].append(label)

    def update(self, label: str, model: Any, actions: list[Any], condition: Any = None, *,
               version_checked: bool = True) -> None:
        """`version_checked=False` on a versioned model (with any version set): bump the stored
        version without requiring it to be the model's, for updates that need no read first."""
        self._write.update(model, actions, condition=condition, add_version_condition=version_checked)
        self._count(self._write._update_items)
        self._labels["update"].append(label)

    def commit(self, tries: int = 6) -> None:
        """Write every item or none. ConditionFailed names the items whose conditions did not
        hold. A cancellation only for contention (another transaction on one of the items, or
        an item's throttling) wrote nothing: the transaction is sent again after a jittered
        backoff, with a new token, and Busy is raised when the contention persists. Throttling
        of the request itself was already retried by botocore (shared.db.models): Busy at once."""
        ordered = [label for kind in ("check", "delete", "put", "update") for label in self._labels[kind]]
        for number in range(tries):
            try:
                self._write._commit()
                return
            except TransactWriteError as error:
                reasons = error.cancellation_reasons or []
                failed = [ordered[i] for i, reason in enumerate(reasons)
                          if reason and reason.code == "ConditionalCheckFailed"]
                if failed:
                    raise ConditionFailed(failed) from None
                if still_throttled(error):
                    raise busy() from error
                codes = {reason.code for reason in reasons if reason}
                if not codes or not codes <= _RETRIED_CODES:
                    raise
                if number == tries - 1:
                    raise busy() from error
                backoff(number)
                # nothing was written: a new token, so DynamoDB cannot take this for the cancelled request
                self._write._client_request_token = uuid.uuid4().hex


def error_code(error: PynamoDBException) -> str | None:
    """DynamoDB's error code behind a PynamoDB error; None for a network error (whose `cause`
    may carry `response = None`, on which PynamoDB's own `cause_response_code` fails)."""
    response = getattr(error.cause, "response", None) or {}
    code: str | None = response.get("Error", {}).get("Code")
    return code

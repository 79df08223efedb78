"""Items read as DynamoDB sends them, without botocore's generic parse.

botocore parses a response by walking its shape: every attribute value of every item is an
`AttributeValue` structure whose ten members are looked up one by one, about 40 µs for an index
entry of two attributes (measured on a Query of 439 entries), more for a contact. Yet
DynamoDB's JSON for an attribute value is already what botocore returns for it, except binary
values (`B`, `BS`: base64 on the wire, bytes once parsed)
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/HowItWorks.API.html#HowItWorks.API.DataTypes).
So for the reads (Query, Scan, GetItem, BatchGetItem) the items are taken from the JSON as it
is, through botocore's documented `before-parse` event and its `customized_response_dict`, and
botocore parses the rest of the answer (counts, LastEvaluatedKey, UnprocessedKeys). An answer
that may hold a binary value, or any other answer, is parsed by botocore as before."""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable
from typing import Any

from shared.db.pynamodb_internals import Send

# The operations whose items are taken as sent, and where their items are in the answer.
_ITEMS = {"Query": "Items", "Scan": "Items", "GetItem": "Item", "BatchGetItem": "Responses"}
_BINARY = (b'"B":', b'"BS":')  # a binary value's type, or else an attribute or map key named B or BS

_clients: weakref.WeakSet[Any] = weakref.WeakSet()


def items_as_sent(operation_model: Any, response_dict: dict[str, Any], customized_response_dict: dict[str, Any],
                  **_: Any) -> None:
    """botocore's `before-parse` handler: move the items of a successful read into the parsed
    answer as they are, leaving botocore the rest of the body."""
    field = _ITEMS.get(operation_model.name)
    body = response_dict.get("body")
    if field is None or response_dict.get("status_code") != 200 or not isinstance(body, bytes) or \
            any(marker in body for marker in _BINARY):
        return
    answer = json.loads(body)
    if field in answer:
        customized_response_dict[field] = answer.pop(field)
        response_dict["body"] = json.dumps(answer).encode()


def parse_items_as_sent(connection: Any) -> Callable[[Send], Send]:
    """A wrapper of the PynamoDB `connection`'s requests (shared.db.pynamodb_internals) that reads
    items as sent, on its botocore client and on any client it makes later (PynamoDB makes a new
    one when the credentials of the last are gone)."""

    def wrap(send: Send) -> Send:
        def sending(operation_name: str, operation_kwargs: dict[str, Any]) -> dict[str, Any]:
            client = connection.client
            if client not in _clients:
                client.meta.events.register("before-parse.dynamodb", items_as_sent)
                _clients.add(client)
            return send(operation_name, operation_kwargs)

        return sending

    return wrap

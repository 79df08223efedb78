"""The parts of PynamoDB below its public API that the stores rely on, in one place.

PynamoDB has no public way to share one connection between models, to reach a model's
connection, or to put something around each DynamoDB request. What it does internally:
`Model._get_connection()` makes (once) the model's TableConnection and keeps it in
`Model._connection`, which subclasses inherit; every request of a Connection goes through
`Connection._make_api_call(operation_name, operation_kwargs)`. These are pinned with PynamoDB
itself (layer/requirements.txt) and tests/test_pynamodb_internals.py checks each of them, so an
upgrade that changes one fails there rather than in a request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pynamodb.connection import TableConnection
from pynamodb.connection.base import Connection
from pynamodb.models import Model

Send = Callable[[str, dict[str, Any]], dict[str, Any]]  # (operation name, its parameters) → the answer


def connection_of(model: type[Model]) -> TableConnection:
    """The model's TableConnection, made on first use."""
    return model._get_connection()


def share_connection(model: type[Model], connection: TableConnection) -> None:
    """Make `model` and every kind derived from it (which inherit it) talk through `connection`."""
    model._connection = connection


def wrap_requests(connection: Connection, wrap: Callable[[Send], Send]) -> None:
    """Put `wrap` around every DynamoDB request `connection` sends from now on."""
    connection._make_api_call = wrap(connection._make_api_call)  # type: ignore[method-assign,assignment]  # see above

"""Items refused before DynamoDB would refuse them, measured as DynamoDB counts them
(shared.domain.sizes): a clear 413 instead of a ValidationException from the store."""

from __future__ import annotations

from typing import Any, TypeVar

from shared.domain.sizes import MAX_ITEM_BYTES, item_size
from shared.errors import PayloadTooLarge

M = TypeVar("M")


def stored_size(model: Any) -> int:
    """The size of a PynamoDB model's item as DynamoDB counts it."""
    return item_size(model.serialize())


def require_storable(model: M, refusal: str, limit: int = MAX_ITEM_BYTES) -> M:
    """`model` if its item fits `limit` (DynamoDB's 400 KB item limit by default); else a 413
    whose message starts with `refusal` (what is too large and what to shorten)."""
    size = stored_size(model)
    if size > limit:
        raise PayloadTooLarge(f"{refusal} It takes {size:,} bytes once stored; at most {limit:,} fit.")
    return model


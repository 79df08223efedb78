"""Sizes as AWS counts them, and the limits they meet: DynamoDB items, keys and transactions,
and the Lambda response that carries an API answer. Pure: the one place these are measured."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

KB, MB = 1024, 1024 * 1024  # DynamoDB and Lambda quotas use binary units

# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items
MAX_ITEM_BYTES = 400 * KB
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-partition-sort-keys
MAX_PARTITION_KEY_BYTES = 2048
MAX_SORT_KEY_BYTES = 1024
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
# ("up to 100 actions ... The aggregate size of the items in the transaction cannot exceed 4 MB")
MAX_TRANSACTION_ACTIONS = 100
MAX_TRANSACTION_BYTES = 4 * MB
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html: a synchronous
# invocation's response is at most 6 MB. A page's items stop at this budget, which leaves room
# for the status, headers and the rest of the body.
RESPONSE_BUDGET_BYTES = 5 * MB


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def truncate_utf8(text: str, max_bytes: int) -> str:
    """The longest prefix of `text` whose UTF-8 encoding fits `max_bytes`, never cutting a character."""
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", "ignore")


def _number_size(text: str) -> int:
    """1 byte per two significant digits, plus 1 (leading and trailing zeroes are not stored)."""
    mantissa = text.strip().lstrip("+-").lower().partition("e")[0]
    whole, _, fraction = mantissa.partition(".")
    significant = (whole + fraction).strip("0")
    return (max(len(significant), 1) + 1) // 2 + 1


def value_size(value: dict[str, Any]) -> int:
    """The size DynamoDB counts for an attribute value in its wire form ({"S": "..."}), without
    the attribute's name. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html"""
    (kind, inner), = value.items()
    if kind == "S":
        return utf8_size(inner)
    if kind == "N":
        return _number_size(inner)
    if kind == "B":
        return len(inner)  # the raw bytes, not their base64 form
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(utf8_size(element) for element in inner)
    if kind == "NS":
        return sum(_number_size(element) for element in inner)
    if kind == "BS":
        return sum(len(element) for element in inner)
    if kind == "L":  # 3 bytes for the list, 1 per element
        return 3 + sum(value_size(element) + 1 for element in inner)
    if kind == "M":  # 3 bytes for the map, 1 per element, each with its name
        return 3 + sum(utf8_size(name) + value_size(element) + 1 for name, element in inner.items())
    raise ValueError(f"no DynamoDB type {kind}")


def item_size(item: dict[str, dict[str, Any]]) -> int:
    """An item's size as DynamoDB counts it against the 400 KB limit: attribute names plus values."""
    return sum(utf8_size(name) + value_size(value) for name, value in item.items())


def action_size(action: dict[str, Any]) -> int:
    """What one TransactWriteItems action (its Put, Update, Delete or ConditionCheck body) adds
    toward the transaction's 4 MB: a put's whole item; an update's key and the values it writes;
    a delete's or condition check's key."""
    if "Item" in action:
        return item_size(action["Item"])
    values = action.get("ExpressionAttributeValues") or {}
    return item_size(action["Key"]) + sum(value_size(value) for value in values.values())


def key_errors(item: dict[str, dict[str, Any]], partition_keys: Iterable[str], sort_keys: Iterable[str]) -> list[str]:
    """The key attributes of `item` (the table's and its indexes') over DynamoDB's key limits."""
    over = [name for name in partition_keys if name in item and value_size(item[name]) > MAX_PARTITION_KEY_BYTES]
    return over + [name for name in sort_keys if name in item and value_size(item[name]) > MAX_SORT_KEY_BYTES]


# --- responses ----------------------------------------------------------------------------------

def response_size(value: Any) -> int:
    """Bytes `value` adds to a Lambda response once encoded as the API answers it (compact JSON)
    and then as the python3.11 runtime encodes the proxy result, whose `body` is a JSON string:
    quotes and backslashes escaped, every non-ASCII character as a \\uXXXX escape (6 bytes for a
    3-byte kanji; only python3.12+ runtimes leave them as UTF-8, see
    https://github.com/aws/aws-lambda-python-runtime-interface-client/pull/122)."""
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return len(json.dumps(body)) - 2


def fitting(items: Iterable[Any], budget: int = RESPONSE_BUDGET_BYTES) -> int:
    """How many leading `items` fit in a response of `budget` bytes, always at least one (a single
    stored item is far under the budget, so a page always moves on)."""
    used = count = 0
    for item in items:
        used += response_size(item) + 1  # and its comma
        if used > budget and count:
            break
        count += 1
    return count

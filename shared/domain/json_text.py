"""Reading JSON that strangers send (request bodies, SNS envelopes and messages): bounded in
depth, and made only of text that can be stored and answered.

`json.loads` alone recurses once per nesting level (a body of 5,000 `[` is a RecursionError,
not a ValueError) and accepts escapes of lone UTF-16 surrogates (`"\\ud800"`), strings that
cannot be encoded as UTF-8 and so fail later, when stored or answered.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32  # arrays and objects inside each other; real bodies (a search filter) nest about 15


class UnreadableJson(ValueError):
    """The text is not JSON we take; the message says why, as a predicate ("is not valid JSON")."""


def is_text(value: str) -> bool:
    """Whether `value` can be encoded as UTF-8 (it holds no lone surrogate)."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def loads(data: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value in `data`, or UnreadableJson if it is malformed, nests more than
    `max_depth` arrays and objects, or holds a string that is not text."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")  # a lone surrogate is refused below, as text
    try:
        value = json.loads(data)
    except RecursionError:
        raise UnreadableJson(f"nests more than {max_depth} arrays and objects") from None
    except ValueError:  # UnicodeDecodeError included
        raise UnreadableJson("is not valid JSON") from None
    _check(value, max_depth)
    return value


def _check(value: Any, max_depth: int) -> None:
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if not is_text(item):
                raise UnreadableJson("holds a lone UTF-16 surrogate (as in \"\\ud800\"), which is not text")
        elif isinstance(item, (dict, list)):
            if depth >= max_depth:
                raise UnreadableJson(f"nests more than {max_depth} arrays and objects")
            if isinstance(item, dict):
                pending.extend((key, depth) for key in item)
                pending.extend((child, depth + 1) for child in item.values())
            else:
                pending.extend((child, depth + 1) for child in item)

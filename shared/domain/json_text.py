"""Reading JSON that strangers send (request bodies, SNS envelopes and messages): bounded in
depth, and made only of text that can be stored and answered.

`json.loads` alone recurses once per nesting level (a body of 5,000 `[` is a RecursionError,
not a ValueError) and accepts escapes of lone UTF-16 surrogates (`"\\ud800"`), strings that
cannot be encoded as UTF-8 and so fail later, when stored or answered.
"""

from __future__ import annotations

import json
import re
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
        value = json.loads(data)  # bytes are decoded with "surrogatepass" too
    except RecursionError:
        raise UnreadableJson(f"nests more than {max_depth} arrays and objects") from None
    except ValueError:  # UnicodeDecodeError included
        raise UnreadableJson("is not valid JSON") from None
    # Only a body with a surrogate escape or surrogate bytes can hold a lone one, and only one
    # with more brackets than `max_depth` can nest too deep: the others are not walked.
    strings = bool(_MAYBE_SURROGATE.search(data))
    if strings or data.count(b"[") + data.count(b"{") > max_depth:
        _check(value, max_depth, strings)
    return value


_MAYBE_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")
_NOT_TEXT = "holds a lone UTF-16 surrogate (as in \"\\ud800\"), which is not text"


def _check(value: Any, max_depth: int, strings: bool) -> None:
    """Level by level: the containers of each level, and (`strings`) every key and string."""
    level, depth = [value], 0
    while level:
        below: list[Any] = []
        for item in level:
            if isinstance(item, dict):
                if strings and not all(is_text(key) for key in item):
                    raise UnreadableJson(_NOT_TEXT)
                below.extend(item.values())
            elif isinstance(item, list):
                below.extend(item)
            elif strings and isinstance(item, str) and not is_text(item):
                raise UnreadableJson(_NOT_TEXT)
        if below and depth == max_depth - 1 and any(isinstance(item, (dict, list)) for item in below):
            raise UnreadableJson(f"nests more than {max_depth} arrays and objects")
        level = below if strings else [item for item in below if isinstance(item, (dict, list))]
        depth += 1

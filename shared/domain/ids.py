"""Server-chosen ids: ULIDs (time-ordered, 26 characters of Crockford base32, URL-safe)."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

from shared.domain.validation import format_time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id(at_ms: int | None = None) -> str:
    """A ULID; `at_ms` (epoch milliseconds) sets its time part instead of the clock."""
    millis = int(time.time() * 1000) if at_ms is None else at_ms
    return ulid(millis, int.from_bytes(os.urandom(10), "big"))


def ulid(millis: int, randomness: int) -> str:
    """The ULID of a time (epoch milliseconds) and an 80-bit random part."""
    value = (millis << 80) | (randomness & ((1 << 80) - 1))
    return "".join(_ALPHABET[(value >> shift) & 31] for shift in range(125, -1, -5))


def id_at(moment: str) -> str:
    """A ULID whose time part is `moment` (the contract's timestamp form); before 1970, which
    a ULID cannot hold, an ordinary one."""
    millis = int(datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp() * 1000)
    return new_id(millis if millis >= 0 else None)


def time_of(ulid: str) -> str | None:
    """The contract timestamp a ULID's time part holds (None for a string that is not a ULID)."""
    if len(ulid) != 26 or any(char not in _ALPHABET for char in ulid):
        return None
    millis = 0
    for char in ulid[:10]:
        millis = millis * 32 + _ALPHABET.index(char)
    return format_time(datetime.fromtimestamp(millis / 1000, UTC))

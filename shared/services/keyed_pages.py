"""A list answered one Query page at a time: `limit` and a signed cursor holding the key to resume
after (contract: Conventions), the same for every list read straight from one partition."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared import cursor
from shared.config import CONFIG
from shared.db.reads import Page
from shared.domain import listing
from shared.domain.access import Principal


def answer(principal: Principal, scope: dict[str, Any], params: dict[str, str],
           read: Callable[[dict[str, Any] | None, int], Page[Any]], shape: Callable[[list[Any]], list[Any]],
           ) -> dict[str, Any]:
    """`{"items", "next_cursor"}`: `read(start, limit)` gives the page's items, `shape` turns them
    into the answer's (None for one left out); the cursor is bound to the tenant and `scope`."""
    limit = listing.parse_limit(params.get("limit"))
    fingerprint = cursor.fingerprint(scope)
    start = cursor.decode(CONFIG.cursor_secret, principal.tenant, fingerprint, params["cursor"]) \
        if params.get("cursor") else None
    if start is not None and not isinstance(start, dict):
        raise listing.bad_cursor()
    page = read(start, limit)
    items, last = page.fit(shape(page.items))
    return {"items": items,
            "next_cursor": cursor.encode(CONFIG.cursor_secret, principal.tenant, fingerprint, last) if last else None}

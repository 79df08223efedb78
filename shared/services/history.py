"""A contact's property history (GET /v1/contacts/{id}/history): every change of a field a
person, an import or the system made, newest first, optionally of one field."""

from __future__ import annotations

from typing import Any

from shared import cursor
from shared.config import CONFIG
from shared.db import history as repository
from shared.db import members as member_store
from shared.domain import history, listing
from shared.domain.access import Principal
from shared.services.contacts import visible_contact


def contact_history(principal: Principal, contact_id: str, params: dict[str, str]) -> dict[str, Any]:
    """One page of the history (404 for a contact the caller may not see, as its read): one Query
    for the page, one BatchGetItem for the names of the members who made its changes."""
    visible_contact(principal, contact_id)
    field = history.parse_field(params.get("field"))
    limit = listing.parse_limit(params.get("limit"))
    fingerprint = cursor.fingerprint({"history": contact_id, "field": field})
    start = cursor.decode(CONFIG.cursor_secret, principal.tenant,
                          fingerprint, params["cursor"]) if params.get("cursor") else None
    if start is not None and not isinstance(start, dict):
        raise listing.bad_cursor()
    page = repository.page(principal.tenant, contact_id, field, limit, start)
    items, last = page.fit(with_actor_names(principal.tenant, page.items))
    return {"items": items,
            "next_cursor": cursor.encode(CONFIG.cursor_secret, principal.tenant, fingerprint, last) if last else None}


def with_actor_names(tenant: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each entry with `actor_name`: the member's current name (their email when they gave no
    name) for a member's change; null for one no longer a member, and for imports, API keys and
    the system."""
    members = {entry["actor"] for entry in entries if history.is_member_actor(entry["actor"])}
    names = {user_id: member["name"] or member["email"]
             for user_id, member in member_store.existing(tenant, members).items()} if members else {}
    return [{**entry, "actor_name": names.get(entry["actor"])} for entry in entries]

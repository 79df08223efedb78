"""Advanced search (POST /v1/contacts/search) and what segments and bulk selections evaluate.

A search starts from the narrowest source it can prove is a superset of the answer: the quick
search `q`'s ids, else the caller's own contacts under owner visibility, else the filter's
plan (domain.search.plan: an index, or every contact of the tenant from its shards); then every
candidate is checked against the whole filter in memory, so the answer is exact whatever the
source. `total` counts every match; pages are cut from the ordered matches with a signed cursor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from shared import cursor
from shared.config import CONFIG
from shared.db import contacts as contact_store
from shared.db import search as repository
from shared.db import tenant_config
from shared.domain import contacts as contact_rules
from shared.domain import listing, search, sizes
from shared.domain.access import Principal
from shared.errors import FieldError, require_valid

_BODY_FIELDS = {"filter", "q", "sort", "order", "limit", "cursor"}


@dataclass(frozen=True)
class Criteria:
    """What contacts a search, segment or bulk selection means (before ordering and paging)."""

    tree: Any  # the filter as given (None: no filter)
    node: search.Node | None
    q: str | None


def parse_criteria(tree: Any, q: Any, config: tenant_config.TenantConfig, path: str = "filter") -> Criteria:
    errors = []
    if q is not None and (not isinstance(q, str) or len(q) > 200):
        errors.append(FieldError("q", "must be a string of at most 200 characters"))
    require_valid(errors)
    node = None if tree is None else search.parse(tree, config.properties, datetime.now(timezone.utc), path)
    return Criteria(tree, node, (q or "").strip() or None)


def matching(principal: Principal, config: tenant_config.TenantConfig, criteria: Criteria) -> list[dict[str, Any]]:
    """Every contact the caller may see that meets the criteria, unordered."""
    owner = principal.visible_owner(config.settings)
    if criteria.q is not None:
        ids = contact_store.search_ids(principal.tenant, contact_rules.search_prefixes(criteria.q))
        candidates = contact_store.get_many(principal.tenant, ids).values()
    else:
        source = search.plan(criteria.node) if criteria.node is not None else search.FullScan()
        if owner is not None:  # the caller's own contacts, unless the filter's index is narrower
            source = search.AllOf((search.Lookup("owner", (owner,)), source))
        candidates = repository.contacts_of(principal.tenant, source)
    context = search.Context(config.settings, datetime.now(timezone.utc).date())
    return [contact for contact in candidates
            if principal.can_see(contact, config.settings)
            and (criteria.node is None or search.matches(criteria.node, contact, context))]


def _order(body: dict[str, Any]) -> listing.ContactQuery:
    """Sort, order and limit of a search body, checked as GET /v1/contacts checks its query."""
    limit = body.get("limit")
    params = {name: str(body[name]) for name in ("sort", "order") if body.get(name) is not None}
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int):
            require_valid([FieldError("limit", f"must be a whole number from 1 to {listing.MAX_LIMIT}")])
        params["limit"] = str(limit)
    return listing.parse_query(params)


def page_of(
    principal: Principal, config: tenant_config.TenantConfig, criteria: Criteria, order: listing.ContactQuery,
    raw_cursor: Any, scope: dict[str, Any],
) -> dict[str, Any]:
    """One page of the ordered matches, with `next_cursor` and `total`."""
    fingerprint = cursor.fingerprint({**scope, "filter": criteria.tree, "q": criteria.q, "sort": order.sort,
                                      "desc": order.descending, "owner": principal.visible_owner(config.settings)})
    offset = 0
    if raw_cursor is not None:
        position = cursor.decode(CONFIG.cursor_secret, principal.tenant, fingerprint, str(raw_cursor))
        offset = position.get("offset") if isinstance(position, dict) else None
        if not isinstance(offset, int) or offset < 0:
            raise listing.bad_cursor()
    ordered = listing.order_search_results(matching(principal, config, criteria), order)
    page = [contact_rules.public(contact, config.settings, config.properties)
            for contact in ordered[offset:offset + order.limit]]
    page = page[:sizes.fitting(page)]  # what fits one response
    more = offset + len(page) < len(ordered)
    next_cursor = cursor.encode(CONFIG.cursor_secret, principal.tenant, fingerprint, {"offset": offset + len(page)}) \
        if more else None
    return {"items": page,
            "next_cursor": next_cursor, "total": len(ordered)}


def search_contacts(principal: Principal, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")])
    require_valid([FieldError(name, "is not a search field", "unknown_field") for name in body if name not in _BODY_FIELDS])
    config = tenant_config.load(principal.tenant)
    criteria = parse_criteria(body.get("filter"), body.get("q"), config)
    return page_of(principal, config, criteria, _order(body), body.get("cursor"), {"search": True})

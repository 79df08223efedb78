"""Advanced search (POST /v1/contacts/search) and what segments and bulk selections evaluate.

A page whose answer keys tell exactly (the quick search `q` and a filter of exact lookups,
domain.search_plan.exact_plan, with the caller's owner view): the ids from keys, intersected and
unioned, `total` their number, and a page that reads at most 2 x limit + 50 contacts
(contact_pages.ids_page). Any other: the narrowest source that is a superset (the quick search's
ids, else the filter's plan, narrowed to the caller's own contacts under owner visibility), every
candidate read and checked in memory, the page cut from them. Either way each contact answered is
checked against the whole filter and the caller's visibility; cursors are signed with the search
and the member asking. Bulk selections and exports read every match (`matching`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, cast

from shared import cursor
from shared.config import CONFIG
from shared.db import contacts as contact_store
from shared.db import search as repository
from shared.db import segments as segment_store
from shared.db import tenant_config
from shared.domain import contacts as contact_rules
from shared.domain import listing, search, search_match, search_plan
from shared.domain.access import Principal
from shared.errors import FieldError, require_valid
from shared.services import contact_pages

Contact = dict[str, Any]


@dataclass(frozen=True)
class Criteria:
    """What contacts a search, segment or bulk selection means (before ordering and paging)."""

    tree: Any  # the filter as given (None: no filter)
    node: search.Node | None
    q: str | None


def parse_criteria(tree: Any, q: Any, config: tenant_config.TenantConfig, path: str = "filter",
                   within: tuple[str, ...] = ()) -> Criteria:
    """The criteria checked (`q` by search.quick_search first); `within` names the segment whose
    filter `tree` is (it may not reach itself)."""
    _, error = search.quick_search(q)
    if error:
        require_valid([FieldError("q", error)])
    node = None if tree is None else search.parse(tree, config.properties, datetime.now(UTC), path,
                                                   _segments_reached(config.tenant, tree, path), within)
    return Criteria(tree, node, (q or "").strip() or None)


def _segments_reached(tenant: str, tree: Any, path: str) -> dict[str, Any]:
    """The filters of every segment the filter reaches through segment conditions, read level by
    level; at most search.MAX_SEGMENTS (else 422). Unknown ids are left out (the parser names them)."""
    filters: dict[str, Any] = {}
    asked: set[str] = set()
    wanted = search.segment_ids_in(tree)
    while wanted:
        asked |= wanted
        if len(asked) > search.MAX_SEGMENTS:
            require_valid([FieldError(path, f"reaches more than {search.MAX_SEGMENTS} segments through segment_id "
                                            "conditions", "limit")])
        found = segment_store.filters_of(tenant, wanted)
        filters.update(found)
        wanted = set().union(*(search.segment_ids_in(segment) for segment in found.values())) - asked
    return filters


def context_of(tenant: str, config: tenant_config.TenantConfig, criteria: Criteria | None) -> search.Context:
    """What matching the criteria needs: the settings, today and the contacts each email
    condition names (its index read once, keys only)."""
    queries = search.mail_queries(None if criteria is None else criteria.node)
    return search.Context(config.settings, datetime.now(UTC).date(), repository.mail_ids(tenant, queries))


def known_ids(context: search.Context) -> dict[search_plan.Lookup, set[str]]:
    """The lookups already read for the context, so that a plan does not read them again."""
    return {search_plan.mail_lookup(query): ids for query, ids in context.mail_ids.items()}


def _candidates(principal: Principal, config: tenant_config.TenantConfig, criteria: Criteria,
                context: search.Context) -> Iterable[Contact]:
    """A superset of the matches read whole: the quick search `q`'s contacts, else the filter's
    plan (narrowed to the caller's own contacts under owner visibility), else every contact."""
    if criteria.q is not None:
        ids = contact_store.search_ids(principal.tenant, contact_rules.search_prefixes(criteria.q))
        return contact_store.get_many(principal.tenant, ids).values()
    source = search_plan.plan(criteria.node) if criteria.node is not None else search_plan.FullScan()
    owner = principal.visible_owner(config.settings)
    if owner is not None:  # the caller's own contacts, unless the filter's index is narrower
        source = search_plan.AllOf((search_plan.Lookup("owner", (owner,)), source))
    return repository.contacts_of(principal.tenant, source, known=known_ids(context))


def _checker(principal: Principal, config: tenant_config.TenantConfig, criteria: Criteria,
             context: search.Context) -> Callable[[Contact], bool]:
    """Whether a contact read is one the caller may see that meets the filter."""
    return lambda contact: principal.can_see(contact, config.settings) and (
        criteria.node is None or search_match.matches(criteria.node, contact, context))


def matching(principal: Principal, config: tenant_config.TenantConfig, criteria: Criteria) -> list[Contact]:
    """Every contact the caller may see that meets the criteria, unordered (bulk selections)."""
    context = context_of(principal.tenant, config, criteria)
    keep = _checker(principal, config, criteria, context)
    return [contact for contact in _candidates(principal, config, criteria, context) if keep(contact)]


def _exact_source(principal: Principal, config: tenant_config.TenantConfig,
                  criteria: Criteria) -> search_plan.AllOf | None:
    """The index reads whose ids, with the quick search's, are exactly what the caller may see of
    the matches (the filter's exact plan and the caller's owner view); None when a condition is
    only checkable on the contact, or nothing narrows the search (every contact: read whole)."""
    exact = None if criteria.node is None else search_plan.exact_plan(criteria.node)
    if criteria.node is not None and exact is None:
        return None
    owner = principal.visible_owner(config.settings)
    owned = None if owner is None else search_plan.Lookup("owner", (owner,))
    parts = [part for part in (exact, owned) if part is not None]
    if not parts and criteria.q is None:
        return None
    return search_plan.AllOf(tuple(parts))


def _exact_page(principal: Principal, criteria: Criteria, order: listing.ContactQuery, source: search_plan.AllOf,
                position: Any, keep: Callable[[Contact], bool], context: search.Context,
                ) -> tuple[list[Contact], Any, int]:
    """A page of an answer known exactly from keys: its ids (intersected with the quick search's),
    then contact_pages.ids_page: ordered by the quick search's sort keys when there is a `q`, else
    walking the narrowest view that lists every match and carries the sort (the caller's own view
    under owner visibility, a tag's...), else the tenant's sorted index. The view chosen on the
    first page is kept in the cursor (`via`), so that sizes moving meanwhile never change the
    walk under it; `at` is ids_page's position."""
    tenant = principal.tenant
    found = repository.lookup_ids(tenant, source, known=known_ids(context))
    ids = search_plan.ids_of(source, found) if source.sources else None
    matched = None
    if criteria.q is not None:
        matched = contact_store.search_ids(tenant, contact_rules.search_prefixes(criteria.q), order.sort)
        ids = set(matched) if ids is None else ids & matched.keys()
    views = {view.partition: (len(found[lookup]), view) for lookup, view in search_plan.covering_views(tenant, source)
             if order.sort in view.sorts}
    if position is None:
        walk_view = min(views.values(), key=lambda entry: entry[0])[1] if views else None
    elif set(position) != {"via", "at"} or not (position["via"] is None or position["via"] in views):
        raise listing.bad_cursor()
    else:
        walk_view = None if position["via"] is None else views[position["via"]][1]
    ids = cast(set[str], ids)  # a source without parts has a `q` (_exact_source): set either way
    page, at, total = contact_pages.ids_page(tenant, ids, order, None if position is None else position["at"], keep,
                                             walk_view, None if walk_view is None else views[walk_view.partition][0],
                                             sort_keys=matched)
    return page, None if at is None else {"via": None if walk_view is None else walk_view.partition, "at": at}, total


def _order(body: dict[str, Any]) -> listing.ContactQuery:
    """Sort, order and limit of a search body, checked as GET /v1/contacts checks its query."""
    limit = body.get("limit")
    params = {name: str(body[name]) for name in ("sort", "order") if body.get(name) is not None}
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int):
            require_valid([FieldError("limit", f"must be a whole number from 1 to {listing.MAX_LIMIT}")])
        params["limit"] = str(limit)
    return listing.parse_query(params)


def cursor_fingerprint(principal: Principal, config: tenant_config.TenantConfig, criteria: Criteria,
                       order: listing.ContactQuery, scope: dict[str, Any]) -> str:
    """What a page's cursor is bound to: the search or segment (`scope`), its filter, quick
    search and order, and the member asking with what they may see."""
    fields = replace(order, q=criteria.q).fingerprint_fields(principal.user_id,
                                                             principal.visible_owner(config.settings))
    return cursor.fingerprint({**scope, "filter": criteria.tree, **fields})


def page_of(
    principal: Principal, config: tenant_config.TenantConfig, criteria: Criteria, order: listing.ContactQuery,
    raw_cursor: Any, scope: dict[str, Any],
) -> dict[str, Any]:
    """One page of the ordered matches, with `next_cursor` (bound to the search and the member
    asking) and `total`. An answer exact from keys reads at most `order.fetch_cap` contacts a
    page; otherwise every candidate is read and checked, and the page cut from them."""
    fingerprint = cursor_fingerprint(principal, config, criteria, order, scope)
    position = None
    if raw_cursor is not None:
        position = cursor.decode(CONFIG.cursor_secret, principal.tenant, fingerprint, str(raw_cursor))
        if not isinstance(position, dict):
            raise listing.bad_cursor()
    context = context_of(principal.tenant, config, criteria)
    keep = _checker(principal, config, criteria, context)
    source = _exact_source(principal, config, criteria)
    if source is not None:
        contacts, next_position, total = _exact_page(principal, criteria, order, source, position, keep, context)
    else:
        if position is not None and set(position) != {"offset"}:
            raise listing.bad_cursor()
        matches = [contact for contact in _candidates(principal, config, criteria, context) if keep(contact)]
        contacts, next_position = contact_pages.ordered_slice(matches, order, position or {})
        total = len(matches)
    next_cursor = None if next_position is None else \
        cursor.encode(CONFIG.cursor_secret, principal.tenant, fingerprint, next_position)
    return {"items": [contact_rules.public(contact, config.settings, config.properties) for contact in contacts],
            "next_cursor": next_cursor, "total": total}


def search_contacts(principal: Principal, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")])
    require_valid(search.SEARCH_REQUEST.unknown(body))
    config = tenant_config.load(principal.tenant)
    criteria = parse_criteria(body.get("filter"), body.get("q"), config)
    return page_of(principal, config, criteria, _order(body), body.get("cursor"), {"search": True})

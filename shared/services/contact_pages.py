"""Pages of contacts that cost what they show, whatever the tenant's size (docs/data-model.md,
"Views"): a list narrowed by views (an owner, a tag, a status...), and an ordered page of a set
of ids known from keys (a quick search's matches, a search's indexed answer).

Positions (what a cursor carries, signed with its query): {"phase", "key"} walks a sorted index
(`view` names the view partition when the page chose one); {"offset"} pages an ordered set read
whole; {"after": sort key} pages a set whose sort keys are known; {"walk": {"phase", "key"} |
None} walks the sort order keeping a set's ids.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from shared import keys
from shared.db import contacts as repository
from shared.db import reads, tenant_config
from shared.domain import contacts as contact_rules
from shared.domain import listing, sizes
from shared.domain.access import Principal
from shared.services import keyed_pages

Contact = dict[str, Any]
Keep = Callable[[Contact], bool]
Page = tuple[list[Contact], Any]


def _walk_position(position: Any, partition: str, sort: str) -> dict[str, Any] | None:
    """A walk's position, its key checked to be where a Query of the sort's keys-only index over
    `partition` can resume (DynamoDB refuses any other ExclusiveStartKey)."""
    if position is None:
        return None
    if not isinstance(position, dict) or set(position) - {"phase", "key", "view"} \
            or position.get("phase") not in (keys.PRESENT, keys.MISSING) \
            or not (position.get("key") is None or _resumes(position["key"], partition, sort, position["phase"])):
        raise listing.bad_cursor()
    return {"phase": position["phase"], "key": position["key"]}


def _resumes(key: Any, partition: str, sort: str, phase: str) -> bool:
    pk_name, sk_name = keys.index_key_names(keys.KEYS_TWIN[keys.CONTACT_SORT_INDEX[sort]])
    return isinstance(key, dict) and set(key) == {"pk", "sk", pk_name, sk_name} \
        and all(isinstance(value, dict) and set(value) == {"S"} and isinstance(value["S"], str)
                for value in key.values()) \
        and key[pk_name]["S"] == partition and key[sk_name]["S"].startswith(f"{phase}#")


def _offset(position: dict[str, Any]) -> int:
    offset = position.get("offset", 0)
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise listing.bad_cursor()
    return offset


def ordered_slice(contacts: list[Contact], order: listing.ContactQuery, position: dict[str, Any]) -> Page:
    """A page cut from contacts read whole, ordered as the sorted index orders them."""
    ordered = listing.order_search_results(contacts, order)
    offset = _offset(position)
    page = ordered[offset: offset + order.limit]
    page = page[:sizes.fitting(page)]  # what fits one response
    return page, ({"offset": offset + len(page)} if offset + len(page) < len(ordered) else None)


def view_list_page(tenant: str, views: list[listing.View], order: listing.ContactQuery, position: Any,
                   keep: Keep) -> Page:
    """A list page narrowed by at least one view. One view that carries the sort: a walk of its
    entries, each page reading its entries and its contacts. Otherwise the narrowest view (found by
    reading the views side by side, recorded in the cursor) is walked when it carries the sort,
    else its contacts are read whole and ordered: either way bounded by its size, never the
    tenant's. `keep` checks every condition and the caller's visibility in memory."""
    if position is not None and not isinstance(position, dict):
        raise listing.bad_cursor()
    partitions = {view.partition: view for view in views}
    if len(views) == 1 and order.sort in views[0].sorts:
        return repository.view_page(tenant, views[0].partition, order.sort, order.descending,
                                    _walk_position(position, views[0].partition, order.sort), order.limit, keep=keep)
    ids: list[str] | None
    if position is None:
        chosen, ids = repository.narrowest_view(list(partitions), order.fetch_cap)
    else:
        chosen, ids = cast(str, position.get("view")), None  # a str once found among `partitions` below
        if chosen not in partitions:
            raise listing.bad_cursor()
    if order.sort in partitions[chosen].sorts:
        page, next_position = repository.view_page(tenant, chosen, order.sort, order.descending,
                                                   _walk_position(position, chosen, order.sort), order.limit, keep=keep)
    else:
        if ids is None:
            ids = repository.view_ids(chosen)
        contacts = [contact for contact in repository.get_many(tenant, ids).values() if keep(contact)]
        page, next_position = ordered_slice(contacts, order, position or {})
    return page, (None if next_position is None else {**next_position, "view": chosen})


def ids_page(tenant: str, ids: set[str], order: listing.ContactQuery, position: Any, keep: Keep,
             walk_view: listing.View | None, walk_view_size: int | None = None,
             sort_keys: dict[str, str | None] | None = None) -> tuple[list[Contact], Any, int]:
    """A page of the contacts among `ids` that `keep` accepts, in the list's order, and how many
    there are. Up to `order.fetch_cap` ids: their contacts read and ordered in memory (an offset
    cursor). More: `ids` must already be exact, as the total is their number; then with
    `sort_keys` (each id's key in the sort's index, as a quick search's index entries give them)
    the ids are ordered in memory and only this page's contacts read; without, the sort order is
    walked in keys (the twin index of the sort, over `walk_view`'s partition when it carries the
    sort, else all the tenant's contacts), the ids lying in `walk_view`, whose number of contacts
    `walk_view_size` may tell."""
    position = {"offset": 0} if position is None else position
    if not isinstance(position, dict) or not any({name} == set(position) for name in ("offset", "walk", "after")):
        raise listing.bad_cursor()
    if "offset" in position and len(ids) <= order.fetch_cap:
        contacts = [contact for contact in repository.get_many(tenant, ids).values() if keep(contact)]
        page, next_position = ordered_slice(contacts, order, position)
        return page, next_position, len(contacts)
    if "offset" in position:
        _offset(position)  # more matches than one page reads whole (grown since the first page: from the start)
        position = {"after": None} if sort_keys is not None else {"walk": None}
    if sort_keys is not None:
        after = position.get("after", "")
        if not (after is None or isinstance(after, str) and after[:1] in (keys.PRESENT, keys.MISSING)):
            raise listing.bad_cursor()
        page, next_after = _keyed_page(tenant, [(sort_keys[contact_id] or "", contact_id) for contact_id in ids],
                                       order, after, keep)
        return page, (None if next_after is None else {"after": next_after}), len(ids)
    if "walk" not in position:
        raise listing.bad_cursor()
    wanted: set[str] | None
    partition, wanted = keys.contacts_index_pk(tenant), ids
    if walk_view is not None and order.sort in walk_view.sorts:
        partition = walk_view.partition
        if walk_view_size == len(ids):  # `ids` lie in the view (`walk_view_size` ids): they are all of it
            wanted = None  # so the walk reads just the entries the page needs
    page, next_walk = repository.view_page(tenant, partition, order.sort, order.descending,
                                           _walk_position(position["walk"], partition, order.sort), order.limit,
                                           wanted_ids=wanted, keep=keep)
    return page, (None if next_walk is None else {"walk": next_walk}), len(ids)


def _keyed_page(tenant: str, keyed: list[tuple[str, str]], order: listing.ContactQuery, after: str | None,
                keep: Keep) -> tuple[list[Contact], str | None]:
    """The page after `after` of ids ordered by their sort keys: the contacts read a page's worth
    at a time (more only for those `keep` refuses), and the key to resume after the last shown."""
    ordered = listing.by_sort_key(keyed, order.descending)
    at = 0 if after is None else next((number for number, (key, _) in enumerate(ordered)
                                        if listing.comes_after(key, after, order.descending)), len(ordered))
    page: list[tuple[str, Contact]] = []
    while len(page) < order.limit and at < len(ordered):
        chunk = ordered[at: at + order.limit - len(page)]
        found = repository.get_many(tenant, [contact_id for _, contact_id in chunk])
        page += [(key, found[contact_id]) for key, contact_id in chunk
                 if contact_id in found and keep(found[contact_id])]
        at += len(chunk)
    count = sizes.fitting([contact for _, contact in page])
    more = count < len(page) or at < len(ordered)
    return [contact for _, contact in page[:count]], (page[count - 1][0] if more and count else None)


def of_ids(principal: Principal, scope: dict[str, Any], params: dict[str, str],
           read_ids: Callable[[dict[str, Any] | None, int], reads.Page[str]]) -> dict[str, Any]:
    """A page of the contacts a partition lists by id (a company's, a member group's), shaped as
    GET /v1/contacts answers them: one Query of `limit` ids and one BatchGetItem of their contacts,
    so a page costs what it shows; contacts the caller may not see are left out."""
    config = tenant_config.load(principal.tenant)

    def shape(ids: list[str]) -> list[Contact | None]:
        found = repository.get_many(principal.tenant, ids)
        return [contact_rules.public(found[contact_id], config.settings, config.properties)
                if contact_id in found and principal.can_see(found[contact_id], config.settings) else None
                for contact_id in ids]

    return keyed_pages.answer(principal, scope, params, read_ids, shape)

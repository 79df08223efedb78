"""Where a search starts (domain.search_plan.plan): contact ids from one index, or every contact of
the tenant from its 16 shards in parallel. Never a table Scan: each request names a partition
of this tenant only."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from shared import indexes, keys
from shared.db import batches
from shared.db.contacts import (
    contact_ids,
    contact_of_raw,
    get_many,
    ids_by_phone_digits,
    view_ids,
)
from shared.db.models import ActivityItem, ContactItem, ContactViewItem, EmailKeyItem, index_sort_key
from shared.db.reads import RawItem, query
from shared.domain import search, search_plan

_pool = ThreadPoolExecutor(max_workers=16)

def _ids_by_email(tenant: str, emails: tuple[str, ...]) -> list[str]:
    found = batches.get(EmailKeyItem, [(keys.email_key_pk(tenant, email), keys.EMAIL_KEY_SK) for email in emails])
    return [item.contact_id for item in found]


def _ids_by_mail(tenant: str, query: search.MailQuery) -> set[str]:
    """The contacts with an email event of the query: its partition of the mail event index
    (GSI13, or GSI9 for one template's emails), from `since` on, keys only."""
    partition = keys.mail_activity_pk(tenant, query.event, query.template_id)
    index = indexes.MAIL_EVENTS if query.template_id is None else indexes.TEMPLATE_MAIL_EVENTS
    sort_key = index_sort_key(ActivityItem, index)
    return set(contact_ids(partition, None if query.since is None else sort_key >= query.since, index=index))


def mail_ids(tenant: str, queries: list[search.MailQuery]) -> dict[search.MailQuery, set[str]]:
    """The contacts of each email query (read in parallel)."""
    return dict(zip(queries, _pool.map(lambda query: _ids_by_mail(tenant, query), queries), strict=False))


def _ids_in_index(tenant: str, lookup: search_plan.Lookup) -> Iterator[str]:
    if lookup.index == "id":
        yield from (value for value in lookup.values if keys.is_plain_id(value))
    elif lookup.index == "email":
        yield from _ids_by_email(tenant, lookup.values)
    elif lookup.index == "phone":
        for ids in ids_by_phone_digits(tenant, lookup.values).values():
            yield from ids
    elif lookup.index in ("email_prefix", "company_prefix"):
        index = (keys.KEYS_TWIN[keys.CONTACT_SORT_INDEX["email"]] if lookup.index == "email_prefix"
                 else indexes.CONTACTS_BY_COMPANY)
        prefix = f"{keys.PRESENT}#{lookup.values[0]}" if lookup.index == "email_prefix" else lookup.values[0]
        sort_key = index_sort_key(ContactItem, index)
        yield from contact_ids(keys.contacts_index_pk(tenant), sort_key.startswith(prefix), index=index)
    elif lookup.index == "emails":
        yield from _ids_by_mail(tenant, search.MailQuery.of_key(lookup.values[0]))
    elif lookup.index == "delivery_status":
        for value in lookup.values:
            yield from contact_ids(keys.delivery_status_pk(tenant, value), index=indexes.CONTACTS_BY_DELIVERY_STATUS)
    else:  # a tag, status, owner or starred: its views
        for view in search_plan.lookup_views(tenant, lookup):
            yield from view_ids(view.partition)


# Cheapest first: an AllOf starts from one of its sources and leaves the rest to `matches`.
# An email condition's index lists events, not contacts (a contact sent 100 emails is there 100
# times), so it comes after the indexes of one entry per contact that usually narrow as much.
_COST = {"id": 0, "email": 1, "phone": 2, "email_prefix": 3, "tag": 4, "company_prefix": 5, "starred": 6,
         "delivery_status": 7, "owner": 8, "status": 9, "emails": 10}


def _cost(source: search_plan.Source) -> float:
    if isinstance(source, search_plan.Lookup):
        return _COST[source.index] + len(source.values) / 1000
    if isinstance(source, search_plan.AllOf):
        return min(_cost(child) for child in source.sources)
    if isinstance(source, search_plan.AnyOf):
        return sum(_cost(child) for child in source.sources)
    return float("inf")


def candidate_ids(tenant: str, source: search_plan.Source,
                  known: dict[search_plan.Lookup, set[str]] | None = None) -> set[str]:
    """Ids of a superset of the contacts `source` stands for (not for FullScan); `known`: ids of
    lookups already read."""
    known = known or {}
    if isinstance(source, search_plan.Lookup):
        return set(known[source]) if source in known else set(_ids_in_index(tenant, source))
    if isinstance(source, search_plan.AllOf):
        return candidate_ids(tenant, min(source.sources, key=_cost), known)
    ids: set[str] = set()
    union = cast(search_plan.AnyOf, source)  # the one kind left: a FullScan is not given (see above)
    for found in _pool.map(lambda child: candidate_ids(tenant, child, known), union.sources):
        ids |= found
    return ids


def _existing(tenant: str, contact_ids: set[str]) -> set[str]:
    """Those of the ids whose contact exists, from their status view entries (every contact has
    one, written with it): small items, 100 a BatchGetItem, no contact read."""
    wanted = [(keys.contact_pk(tenant, contact_id), keys.STATUS_VIEW_SK) for contact_id in contact_ids]
    return {item.contact_id for item in batches.get(ContactViewItem, wanted)}


def lookup_ids(tenant: str, source: search_plan.Source, known: dict[search_plan.Lookup, set[str]] | None = None,
               ) -> dict[search_plan.Lookup, set[str]]:
    """The ids each lookup of `source` finds, from keys (the lookups read in parallel; `known`
    ones not again); an `id` or `emails` lookup keeps the ids of contacts that exist (the ids
    given; timeline entries outlive their contact until its partition is emptied), so that with
    `search_plan.exact_plan` the ids combined (`search_plan.ids_of`) are exactly the matches."""
    lookups = search_plan.lookups_of(source)
    known = known or {}

    def read(lookup: search_plan.Lookup) -> set[str]:
        ids = set(known[lookup]) if lookup in known else set(_ids_in_index(tenant, lookup))
        return _existing(tenant, ids) if lookup.index in ("id", "emails") else ids

    return dict(zip(lookups, _pool.map(read, lookups), strict=False))


def contacts_of(tenant: str, source: search_plan.Source, on_progress: Callable[[float], None] | None = None,
                known: dict[search_plan.Lookup, set[str]] | None = None) -> Iterator[dict[str, Any]]:
    """The contacts of a plan's source, streamed with bounded memory: by id (100 a request, 8
    requests in parallel) from its index, or every contact of the tenant from its 16 shards
    (GSI15, all attributes projected), several read at once. `on_progress` hears the fraction done."""
    if isinstance(source, search_plan.FullScan):
        yield from _all_contacts(tenant, on_progress)
        return
    ids = sorted(candidate_ids(tenant, source, known))
    chunks = [ids[start:start + 100] for start in range(0, len(ids), 100)]
    for first in range(0, len(chunks), 8):
        for found in _pool.map(lambda chunk: get_many(tenant, chunk), chunks[first:first + 8]):
            yield from found.values()
        if on_progress is not None:
            on_progress(min(1.0, (first + 8) / len(chunks)))


_DONE = object()
SHARD_READERS = 4  # shards read at once: enough to keep one vCPU busy writing rows, and gentle on the table


def _all_contacts(tenant: str, on_progress: Callable[[float], None] | None) -> Iterator[dict[str, Any]]:
    """Every contact of the tenant: a few readers take the 16 shards in turn and put their pages
    on a queue of two, so at most a few pages (1 MB each) are in memory however large the tenant."""
    pages: queue.Queue[object] = queue.Queue(maxsize=2)  # a page (raw items), an Exception or _DONE
    shards: queue.Queue[int] = queue.Queue()
    for shard in range(keys.SHARD_COUNT):
        shards.put(shard)
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                shard = shards.get_nowait()
            except queue.Empty:
                return
            start = None
            try:
                while not stop.is_set():
                    raws, start = query(keys.shard_pk(tenant, shard), index=indexes.CONTACT_SHARDS, start=start)
                    pages.put(raws)
                    if not start:
                        break
            except Exception as error:  # handed to the reader below, which raises it
                pages.put(error)
            finally:
                pages.put(_DONE)

    readers = [threading.Thread(target=read, daemon=True) for _ in range(SHARD_READERS)]
    for reader in readers:
        reader.start()
    finished = 0
    try:
        while finished < keys.SHARD_COUNT:
            page = pages.get()
            if page is _DONE:
                finished += 1
                if on_progress is not None:
                    on_progress(finished / keys.SHARD_COUNT)
            elif isinstance(page, Exception):
                raise page
            else:
                yield from (contact_of_raw(raw) for raw in cast(list[RawItem], page))
    finally:
        stop.set()
        while any(reader.is_alive() for reader in readers):  # let blocked readers finish their put
            try:
                pages.get(timeout=0.1)
            except queue.Empty:
                pass

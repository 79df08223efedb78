"""Contacts, their email keys and tag memberships, and tag counters in the single table."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, cast

from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.expressions.update import Action

from shared import indexes, keys
from shared.db import batches, tenant_config
from shared.db import history as history_store
from shared.db import members as member_store
from shared.db.activity_items import activity_model
from shared.db.item_size import require_storable, stored_size
from shared.db.models import (
    CompanyItem,
    CompanyMemberItem,
    ContactItem,
    ContactViewItem,
    EmailKeyItem,
    GroupMemberItem,
    MemberGroupItem,
    MemberItem,
    PartitionCleanupItem,
    SearchTermItem,
    TableItem,
    TagItem,
    TagMemberItem,
    TenantConfigItem,
    UsageItem,
    as_dict,
    index_sort_key,
)
from shared.db.reads import RawItem, key_after, query, query_all
from shared.db.transactions import MAX_ITEMS, ConditionFailed, Transaction, error_code
from shared.domain import contacts as contact_rules
from shared.domain import history as history_rules
from shared.domain.sizes import KB, MAX_ITEM_BYTES, MAX_TRANSACTION_BYTES, fitting
from shared.errors import ValidationFailed

_pool = ThreadPoolExecutor(max_workers=8)

# A contact's change written with other items (stage_save): (contact, previous, version, config).
ContactChange = tuple[dict[str, Any], dict[str, Any] | None, int | None, tenant_config.TenantConfig]


def contact_key(tenant: str, contact_id: str) -> tuple[str, str]:
    return keys.contact_pk(tenant, contact_id), keys.CONTACT_SK


def contact_id_of_raw(raw: RawItem) -> str:
    contact_id: str = raw["pk"]["S"].rsplit("#", 1)[1]
    return contact_id


def contact_ids(partition: str, condition: Any = None, *, index: str) -> list[str]:
    """Ids of the contacts (or their entries) under an index partition: each entry's table key
    only is asked for (a ProjectionExpression), so counting thousands costs little to send and parse."""
    return [contact_id_of_raw(raw) for raw in query_all(partition, condition, index=index, attributes=("pk",))]


def contact_of_raw(raw: RawItem) -> dict[str, Any]:
    """The contact in a raw item as PynamoDB would give it, read straight from DynamoDB's JSON:
    bulk reads (search, exports) spend most of their CPU here, and the model's generic
    deserialisation is several times slower."""
    contact: dict[str, Any] = _plain(raw["data"])
    return contact


def _plain(value: dict[str, Any]) -> Any:
    (kind, inner), = value.items()
    if kind == "S" or kind == "BOOL":
        return inner
    if kind == "N":
        return json.loads(inner)
    if kind == "M":
        return {name: _plain(item) for name, item in inner.items()}
    if kind == "L":
        return [_plain(item) for item in inner]
    if kind == "NULL":
        return None
    raise ValueError(f"a contact holds no {kind} value")


def get_with_config(tenant: str,
                    contact_id: str) -> tuple[dict[str, Any] | None, int | None, tenant_config.TenantConfig]:
    """The contact, its version and the tenant config, in one consistent BatchGetItem."""
    return get_with_config_and_member(tenant, contact_id, None)[:3]


def get_with_config_and_member(
    tenant: str, contact_id: str, member_id: str | None,
) -> tuple[dict[str, Any] | None, int | None, tenant_config.TenantConfig, dict[str, Any] | None]:
    """`get_with_config` and, in the same BatchGetItem, the member `member_id` (None: not asked,
    or not a member): a contact read and its member check in one request."""
    contact, version, config_item, member = None, None, None, None
    wanted = [contact_key(tenant, contact_id), tenant_config.config_key(tenant)]
    if member_id is not None:
        wanted.append(member_store.member_key(tenant, member_id))
    for item in batches.get(TableItem, wanted, consistent_read=True):
        if isinstance(item, ContactItem):
            contact, version = as_dict(item.data), item.version
        elif isinstance(item, TenantConfigItem):
            config_item = item
        elif isinstance(item, MemberItem):
            member = member_store.as_member(item)
    return contact, version, tenant_config.from_item(tenant, config_item), member


def get_many(tenant: str, contact_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Contacts by id (ids not found are absent), 100 keys per BatchGetItem."""
    found = {}
    for item in batches.get(ContactItem, [contact_key(tenant, contact_id)
                                          for contact_id in dict.fromkeys(contact_ids)]):
        found[item.data["id"]] = as_dict(item.data)
    return found


def by_emails(tenant: str, emails: Iterable[str], *, consistent_read: bool = False) -> dict[str, dict[str, Any]]:
    """Contacts by lower-cased email, read from the email keys' copies: 100 emails per request."""
    email_keys = [(keys.email_key_pk(tenant, email), keys.EMAIL_KEY_SK) for email in dict.fromkeys(emails)]
    found = batches.get(EmailKeyItem, email_keys, consistent_read=consistent_read)
    # an email key's copy of its contact has that email: its key is a str
    return {cast(str, contact_rules.email_key(as_dict(item.data))): as_dict(item.data) for item in found}


def ids_by_phone_digits(tenant: str, digit_strings: Iterable[str], whole_index: bool = False) -> dict[str, list[str]]:
    """Contact ids whose phone has exactly these digits: one index Query per number (8 in
    parallel), or with `whole_index` the tenant's whole phone index read once, in ten ranges (by
    first digit) in parallel, keeping only the wanted numbers: fewer requests than one per number
    when many numbers are wanted of a small index (contact_rules.phone_lookup_reads decides)."""
    unique = [digits for digits in dict.fromkeys(digit_strings) if digits]
    partition = keys.contacts_index_pk(tenant)
    by_phone = index_sort_key(ContactItem, indexes.CONTACTS_BY_PHONE)
    if whole_index:
        wanted = set(unique)
        sort_key = keys.index_key_names(indexes.CONTACTS_BY_PHONE)[1]

        def read_range(first_digit: str) -> list[tuple[str, str]]:
            found, start = [], None
            while True:
                raws, start = query(partition, by_phone.startswith(first_digit),
                                    index=indexes.CONTACTS_BY_PHONE, start=start)
                for raw in raws:
                    digits = raw[sort_key]["S"].rsplit("#", 1)[0]
                    if digits in wanted:
                        found.append((digits, contact_id_of_raw(raw)))
                if not start:
                    return found

        ids: dict[str, list[str]] = {digits: [] for digits in unique}
        for found in _pool.map(read_range, "0123456789"):
            for digits, contact_id in found:
                ids[digits].append(contact_id)
        return ids

    def lookup(digits: str) -> list[str]:
        return contact_ids(partition, by_phone.startswith(f"{digits}#"), index=indexes.CONTACTS_BY_PHONE)

    return dict(zip(unique, _pool.map(lookup, unique), strict=False))


def search_ids(tenant: str, prefixes: dict[str, str], sort_field: str | None = None) -> dict[str, str | None]:
    """Ids of contacts with a search term starting with the prefix, over the quick-search indexes
    in parallel, each with its sort key for `sort_field` (the indexes project the contact's sort
    keys: shared.keys.QUICK_SEARCH_INDEXES): every match is counted and ordered from index
    entries, no contact is read. Without `sort_field` the values are None."""
    partition = keys.contacts_index_pk(tenant)
    sort_key = None if sort_field is None else keys.index_key_names(keys.CONTACT_SORT_INDEX[sort_field])[1]
    wanted = ("pk",) if sort_key is None else ("pk", sort_key)

    def lookup(entry: tuple[str, str]) -> list[RawItem]:
        index, prefix = entry
        condition = index_sort_key(ContactItem, index).startswith(prefix)
        return query_all(partition, condition, index=index, attributes=wanted)

    matches: dict[str, str | None] = {}
    for raws in _pool.map(lookup, prefixes.items()):
        for raw in raws:
            contact_id = contact_id_of_raw(raw)
            if matches.get(contact_id) is None:
                matches[contact_id] = None if sort_key is None else raw.get(sort_key, {}).get("S")
    if sort_key is not None:
        unknown = [contact_id for contact_id, value in matches.items() if value is None]  # found by a term item
        found = sort_keys_of(tenant, unknown, sort_key)
        for contact_id in unknown:
            if contact_id in found:
                matches[contact_id] = found[contact_id]
            else:
                del matches[contact_id]  # a term item left behind by a contact since deleted
    return matches


def sort_keys_of(tenant: str, contact_ids: list[str], sort_key: str) -> dict[str, str]:
    """The sort key `sort_key` (gsiNsk) of each contact that exists, read from the contact items
    (that attribute only, 100 a request)."""
    raws = batches.get_raw([contact_key(tenant, contact_id) for contact_id in contact_ids], attributes=("pk", sort_key))
    return {contact_id_of_raw(raw): raw[sort_key]["S"] for raw in raws if sort_key in raw}


def _filter_condition(filters: dict[str, Any]) -> Any:
    """The FilterExpression of list filters no view partition serves (field equalities)."""
    combined = None
    for name, wanted in filters.items():
        condition = ContactItem.data[name] == wanted
        combined = condition if combined is None else combined & condition
    return combined


def sorted_page(
    tenant: str, sort_field: str, descending: bool, position: dict[str, Any] | None, limit: int,
    filters: dict[str, Any], max_requests: int = 10,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """A page of the tenant's contacts from the sorted index of `sort_field` (ALL projected: one
    Query reads the contacts themselves); contacts lacking it come last.

    The index's sort keys start with "0#" for contacts that have the value and "1#" for those
    that lack it, so the page walks the "0#" range in the requested order, then the "1#" range.
    Without a filter each Query asks for exactly the items still missing from the page; with
    one (a filter no view serves, such as `starred=false`, which most contacts meet) at most
    `max_requests` Queries are read. A page whose contacts would not fit one response ends early
    (shared.domain.sizes.fitting).
    """
    index = keys.CONTACT_SORT_INDEX[sort_field]
    filter_condition = _filter_condition(filters)
    sort_key = index_sort_key(ContactItem, index)
    phase = (position or {}).get("phase", keys.PRESENT)
    start = (position or {}).get("key")
    raws: list[RawItem] = []
    for _ in range(max_requests):
        wanted = limit - len(raws)
        page, last_key = query(
            keys.contacts_index_pk(tenant), sort_key.startswith(f"{phase}#"), index=index, forward=not descending,
            limit=wanted if filter_condition is None else max(2 * wanted, 100), start=start,
            filter_condition=filter_condition,
        )
        for number, raw in enumerate(page):
            raws.append(raw)
            if len(raws) == limit and number < len(page) - 1:  # overshot: resume right after this one
                return _fitted([(raw, contact_of_raw(raw)) for raw in raws], index,
                               {"phase": phase, "key": key_after(raw, index)})
        if last_key:
            start = last_key
        elif phase == keys.PRESENT:
            phase, start = keys.MISSING, None
        else:
            return _fitted([(raw, contact_of_raw(raw)) for raw in raws], index, None)
        if len(raws) == limit:
            break
    return _fitted([(raw, contact_of_raw(raw)) for raw in raws], index, {"phase": phase, "key": start})


# --- views: the contacts under a view partition (an owner, a status, a tag...) ---------------

# every view partition is in it (by creation), keys only
VIEW_IDS_INDEX = keys.KEYS_TWIN[keys.CONTACT_SORT_INDEX["created_at"]]


def view_ids(partition: str) -> list[str]:
    """Ids of every contact listed under a view partition (KEYS_ONLY: keys read, no contact)."""
    return contact_ids(partition, index=VIEW_IDS_INDEX)


def narrowest_view(partitions: list[str], first_read: int) -> tuple[str, list[str]]:
    """The view partition with the fewest contacts, and their ids: the partitions are read side
    by side, one Query each a round (`first_read` keys, then twice as many each round), until one
    is read to its end. So the keys read are at most about the narrowest's size times the number
    of partitions, never the size of a wider one."""
    progress: dict[str, tuple[list[str], RawItem | None]] = {partition: ([], None) for partition in partitions}
    read = first_read
    while True:
        def one_round(partition: str) -> tuple[str, list[RawItem], RawItem | None]:
            raws, last = query(partition, index=VIEW_IDS_INDEX,
                               limit=read,  # noqa: B023 - called before the loop moves on
                               start=progress[partition][1], attributes=("pk",))
            return partition, raws, last

        finished = None
        for partition, raws, last in _pool.map(one_round, partitions):
            ids = progress[partition][0] + [contact_id_of_raw(raw) for raw in raws]
            progress[partition] = (ids, last)
            if last is None and (finished is None or len(ids) < len(progress[finished][0])):
                finished = partition
        if finished is not None:
            return finished, progress[finished][0]
        read *= 2


def view_page(
    tenant: str, partition: str, sort_field: str, descending: bool, position: dict[str, Any] | None, limit: int,
    *, wanted_ids: set[str] | None = None, keep: Callable[[dict[str, Any]], bool] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """A page of the contacts listed under `partition` (a view partition, or the tenant's
    contacts) in the order of `sort_field`, contacts lacking it last: the ids come from the sorted
    index's KEYS_ONLY twin, then the contacts by key (BatchGetItem). `wanted_ids` picks ids before
    any contact is read (a quick search's matches: many keys are read, few contacts); `keep`
    tests each contact read (the conditions the partition does not imply, and an entry the index
    still shows for a contact that has moved on). Without either, a Query asks for exactly the
    entries the page still needs, so a page costs its entries and its contacts. Position:
    {"phase", "key"} as in `sorted_page`."""
    index = keys.KEYS_TWIN[keys.CONTACT_SORT_INDEX[sort_field]]
    sort_key = index_sort_key(ContactItem, index)
    phase = (position or {}).get("phase", keys.PRESENT)
    start = (position or {}).get("key")
    page: list[tuple[RawItem, dict[str, Any]]] = []
    dropped = looked = wanted_seen = 0
    while True:
        need = limit - len(page)
        if wanted_ids is None:
            read: int | None = need if not dropped else min(1_000, 4 * need)
        else:
            read = _wanted_walk_read(need, looked, wanted_seen)
        raws, last = query(partition, sort_key.startswith(f"{phase}#"), index=index, forward=not descending,
                           limit=read, start=start)
        candidates = [raw for raw in raws if wanted_ids is None or contact_id_of_raw(raw) in wanted_ids]
        looked, wanted_seen = looked + len(raws), wanted_seen + len(candidates)
        consumed = None  # the last raw looked at, when the page filled before the end of `raws`
        while candidates and len(page) < limit:
            chunk, candidates = candidates[:limit - len(page)], candidates[limit - len(page):]
            found = get_many(tenant, [contact_id_of_raw(raw) for raw in chunk])
            for raw in chunk:
                contact = found.get(contact_id_of_raw(raw))
                if contact is not None and (keep is None or keep(contact)):
                    page.append((raw, contact))
                else:
                    dropped += 1
            consumed = chunk[-1]
        if len(page) == limit and consumed is not None and consumed is not raws[-1]:
            start = key_after(consumed, index)
            break
        if last:
            start = last
        elif phase == keys.PRESENT:
            phase, start = keys.MISSING, None
        else:
            return _fitted(page, index, None)
        if len(page) == limit:
            break
    return _fitted(page, index, {"phase": phase, "key": start})


WANTED_WALK_FIRST_READ = 1_000  # keys: about a seventh of a 1 MB page of index keys


def _wanted_walk_read(need: int, looked: int, seen: int) -> int | None:
    """How many keys the next Query of a walk for wanted ids asks for: what the share of wanted
    ids met so far says fills the page, with half again for luck (a whole 1 MB page, None, when
    none was met yet). A page of a 2.5 % match then reads about 2,000 keys in two Queries, where
    whole pages read 7,000."""
    if looked == 0:
        return WANTED_WALK_FIRST_READ
    if seen == 0:
        return None
    return max(need, math.ceil(1.5 * need * looked / seen))


def _fitted(page: list[tuple[RawItem, dict[str, Any]]], index: str,
            position: dict[str, Any] | None) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The contacts of a page up to what one response holds (shared.domain.sizes.fitting), and
    where the next page starts (after the last one answered, when the page was cut)."""
    contacts = [contact for _, contact in page]
    count = fitting(contacts)
    if count < len(contacts):
        last = page[count - 1][0]
        return contacts[:count], {"phase": last[keys.index_key_names(index)[1]]["S"][0], "key": key_after(last, index)}
    return contacts, position


# --- writes ---------------------------------------------------------------------------------

# A person's write leaves this much of DynamoDB's 400 KB item limit to what the system adds to
# a contact later (score counts, last actions, visits), so those writes always fit.
SYSTEM_ROOM_BYTES = 16 * KB
_TOO_LARGE = "The contact is too large to store; shorten its memo or its longest text properties."


def _contact_model(tenant: str, contact: dict[str, Any], version: int | None) -> ContactItem:
    pk, sk = contact_key(tenant, contact["id"])
    versioned: dict[str, Any] = {} if version is None else {"version": version}
    index_keys: dict[str, Any] = contact_rules.index_keys(tenant, contact)
    return ContactItem(pk, sk, data=contact, **versioned, **index_keys)


def require_fits(tenant: str, contact: dict[str, Any]) -> None:
    """A 413 for a contact a person wrote that would leave too little room under the item limit.
    (Its item, with every index key, is larger than its email key's copy of it.)"""
    require_storable(_contact_model(tenant, contact, 0), _TOO_LARGE, MAX_ITEM_BYTES - SYSTEM_ROOM_BYTES)


def _email_model(tenant: str, email: str, contact: dict[str, Any]) -> EmailKeyItem:
    return EmailKeyItem(keys.email_key_pk(tenant, email), keys.EMAIL_KEY_SK, contact_id=contact["id"], data=contact)


def _view_model(tenant: str, contact_id: str, sk: str, attributes: dict[str, str | None]) -> TableItem:
    """A view entry (shared.domain.contacts.view_entries): a tag membership or a ContactViewItem."""
    kind = TagMemberItem if sk.startswith(keys.TAG_SK_PREFIX) else ContactViewItem
    fields: dict[str, Any] = attributes  # a model's **attributes: typed Any, as mypy matches them to every parameter
    return kind(keys.contact_pk(tenant, contact_id), sk, contact_id=contact_id, **fields)


def _stage_views(transaction: Transaction, tenant: str, contact: dict[str, Any], previous: dict[str, Any]) -> None:
    """Put the contact's view entries that are new or whose sort keys moved; delete those gone."""
    old = contact_rules.view_entries(tenant, previous) if previous else {}
    for sk, attributes in contact_rules.view_entries(tenant, contact).items():
        if old.pop(sk, None) != attributes:
            transaction.put("view", _view_model(tenant, contact["id"], sk, attributes))
    for sk, attributes in old.items():
        transaction.delete("view", _view_model(tenant, contact["id"], sk, attributes))


def _search_term_model(tenant: str, contact_id: str, term: str) -> SearchTermItem:
    # a model's **attributes: typed Any, as mypy matches them to every parameter
    found_by: dict[str, Any] = keys.index_entry(indexes.CONTACTS_BY_NAME_OR_TERM, keys.contacts_index_pk(tenant),
                                                keys.term_sk(term, contact_id))
    return SearchTermItem(keys.contact_pk(tenant, contact_id), keys.search_term_sk(term), contact_id=contact_id,
                          **found_by)


def _tag_count_actions(tag: str, delta: int, now: str) -> list[Any]:
    """Add `delta` to a tag's count; a first use (delta > 0) also creates the tag item."""
    actions: list[Action] = [TagItem.contact_count.add(delta)]
    if delta > 0:
        actions += [TagItem.kind.set(TagItem), TagItem.name.set(tag), TagItem.created_at.set(TagItem.created_at | now)]
    return actions


def _tag_item(tenant: str, tag: str) -> TagItem:
    return TagItem(keys.tenant_pk(tenant), keys.tag_sk(tag))


def _group_item(tenant: str, group_id: str) -> MemberGroupItem:
    return MemberGroupItem(keys.tenant_pk(tenant), keys.group_sk(group_id))


def _company_member_model(tenant: str, contact_id: str, company_id: str) -> CompanyMemberItem:
    # a model's **attributes: typed Any, as mypy matches them to every parameter
    listed: dict[str, Any] = keys.index_entry(indexes.COMPANY_CONTACTS, keys.company_members_pk(tenant, company_id),
                                              contact_id)
    return CompanyMemberItem(keys.contact_pk(tenant, contact_id), keys.COMPANY_SK, contact_id=contact_id,
                             company_id=company_id, **listed)


def _group_member_model(tenant: str, contact_id: str, group_id: str) -> GroupMemberItem:
    # a model's **attributes: typed Any, as mypy matches them to every parameter
    listed: dict[str, Any] = keys.index_entry(indexes.GROUP_CONTACTS, keys.group_members_pk(tenant, group_id),
                                              contact_id)
    return GroupMemberItem(keys.contact_pk(tenant, contact_id), keys.group_sk(group_id), contact_id=contact_id,
                           group_id=group_id, **listed)


def _stage_groups(transaction: Transaction, tenant: str, contact: dict[str, Any], previous: dict[str, Any],
                  counts: Counters) -> None:
    """The contact's memberships of the member groups it joined or left, and their counts."""
    old_groups, new_groups = previous.get("groups", []), contact.get("groups", [])
    for group_id in (group_id for group_id in new_groups if group_id not in old_groups):
        transaction.put("group_member", _group_member_model(tenant, contact["id"], group_id))
        counts.group(group_id, 1)
    for group_id in (group_id for group_id in old_groups if group_id not in new_groups):
        transaction.delete("group_member", _group_member_model(tenant, contact["id"], group_id))
        counts.group(group_id, -1)


def _ensure_fits(transaction: Transaction, history_entries: int) -> None:
    """A 422 for a change whose transaction would pass DynamoDB's 100 actions
    (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html):
    too many tags changed, or, since each field changed keeps its history entry in the same
    transaction, too many fields."""
    if len(transaction) <= MAX_ITEMS:
        return
    without_history = len(transaction) - history_entries
    if without_history <= MAX_ITEMS:
        raise ValidationFailed(
            f"Too many fields changed in one request; change at most {MAX_ITEMS - without_history} fields at a time "
            "(each change is kept in the contact's history).",
        )
    raise ValidationFailed(
        "Too many tag changes in one request; add or remove at most 45 tags at a time.",
    )


@dataclass
class Counters:
    """What contact writes add to the tenant's counters: tags' and companies' contact counts and
    the tenant's number of contacts. Several contacts in one transaction collect theirs here
    (an item may be written only once per transaction), staged once with `stage_counters`."""

    tags: dict[str, int] = field(default_factory=dict)
    companies: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    contacts: int = 0

    def tag(self, name: str, delta: int) -> None:
        self.tags[name] = self.tags.get(name, 0) + delta

    def company(self, company_id: str, delta: int) -> None:
        self.companies[company_id] = self.companies.get(company_id, 0) + delta

    def group(self, group_id: str, delta: int) -> None:
        self.groups[group_id] = self.groups.get(group_id, 0) + delta


def stage_counters(transaction: Transaction, tenant: str, counters: Counters,
                   now: str, contact_limit: int | None) -> None:
    """The counter updates: a company or member group counted up must exist and not be being
    deleted ("company", "group" fail otherwise); contacts added must fit the plan's
    `contact_limit` ("quota")."""
    for tag, delta in counters.tags.items():
        if delta:
            transaction.update("tag_count", _tag_item(tenant, tag), _tag_count_actions(tag, delta, now))
    for company_id, delta in counters.companies.items():
        if delta:
            company = CompanyItem(keys.company_pk(tenant, company_id), keys.COMPANY_SK, version=0)
            condition = CompanyItem.pk.exists()
            if delta > 0:
                condition &= CompanyItem.deleting.does_not_exist()
            transaction.update("company", company, [CompanyItem.contact_count.add(delta)], condition=condition,
                               version_checked=False)
    for group_id, delta in counters.groups.items():
        if delta:
            condition = MemberGroupItem.pk.exists()
            if delta > 0:
                condition &= MemberGroupItem.deleting.does_not_exist()
            transaction.update("group", _group_item(tenant, group_id), [MemberGroupItem.contact_count.add(delta)],
                               condition=condition)
    if counters.contacts:
        stage_usage(transaction, tenant, counters.contacts, contact_limit)


def stage_usage(transaction: Transaction, tenant: str, delta: int, contact_limit: int | None) -> None:
    """Add `delta` to the tenant's number of contacts; more than `contact_limit` fails ("quota")."""
    condition = None
    if delta > 0 and contact_limit is not None:
        condition = UsageItem.contacts <= contact_limit - delta
        if delta <= contact_limit:
            condition |= UsageItem.contacts.does_not_exist()
    transaction.update("quota", UsageItem(keys.tenant_pk(tenant), keys.USAGE_SK),
                       [UsageItem.kind.set(UsageItem), UsageItem.contacts.add(delta)], condition=condition)


def save(
    tenant: str,
    contact: dict[str, Any],
    config: tenant_config.TenantConfig,
    *,
    previous: dict[str, Any] | None = None,
    version: int | None = None,
    activities: Sequence[dict[str, Any]] = (),
    actor: str = history_rules.SYSTEM_ACTOR,
) -> None:
    """Create (`previous` None) or replace a contact in one transaction: the contact, its email
    key (unique per tenant), tag memberships and tag counts, the history of the fields changed
    (by `actor`) and the timeline entries of the change, guarded by the contact's version and by
    the tenant config it was validated against. Fails with ConditionFailed labels "contact",
    "email", "old_email" or "config"."""
    require_fits(tenant, contact)
    transaction = Transaction()
    history_entries = stage_save(transaction, tenant, contact, config, previous=previous, version=version, actor=actor,
                                 check_fits=False)
    for activity in activities:
        transaction.put("activity", activity_model(tenant, contact["id"], activity))
    _ensure_fits(transaction, history_entries)
    transaction.commit()


def stage_save(
    transaction: Transaction,
    tenant: str,
    contact: dict[str, Any],
    config: tenant_config.TenantConfig,
    *,
    previous: dict[str, Any] | None = None,
    version: int | None = None,
    check_config: bool = True,
    label: str = "contact",
    counters: Counters | None = None,
    actor: str = history_rules.SYSTEM_ACTOR,
    check_fits: bool = True,
) -> int:
    """Add what `save` writes to a transaction that also writes other items (an email sent).
    A contact without `version` is new: it counts toward the plan's limit; a change of a stored
    one keeps the history of each field it changes, by `actor` (shared.domain.history), in the
    same transaction: never a change without its history, nor history without the change.
    Several contacts in one transaction check the config once (`check_config` on the first)
    and collect their counter changes in `counters`, which the caller then stages with
    `stage_counters`. Answers how many history entries it staged."""
    previous = previous or {}
    if check_config:
        tenant_config.check_fresh(transaction, config)
    transaction.put(label, require_storable(_contact_model(tenant, contact, version), _TOO_LARGE))
    history_entries = 0
    if version is not None:
        history_entries = history_store.stage(transaction, tenant, previous, contact, version, actor)
    old_email, new_email = contact_rules.email_key(previous), contact_rules.email_key(contact)
    if old_email and old_email != new_email:
        transaction.delete(
            "old_email", EmailKeyItem(keys.email_key_pk(tenant, old_email), keys.EMAIL_KEY_SK),
            condition=EmailKeyItem.contact_id == contact["id"],
        )
    if new_email:
        unclaimed = EmailKeyItem.pk.does_not_exist()
        condition = unclaimed if new_email != old_email else unclaimed | (EmailKeyItem.contact_id == contact["id"])
        transaction.put("email", _email_model(tenant, new_email, contact), condition=condition)
    counts = Counters() if counters is None else counters
    if version is None:
        counts.contacts += 1
    _stage_views(transaction, tenant, contact, previous)
    old_tags, new_tags = previous.get("tags", []), contact.get("tags", [])
    for tag in (tag for tag in new_tags if tag not in old_tags):
        counts.tag(tag, 1)
    for tag in (tag for tag in old_tags if tag not in new_tags):
        counts.tag(tag, -1)
    old_company, new_company = previous.get("company_id"), contact.get("company_id")
    if old_company != new_company:  # one membership item per contact: a move overwrites it
        if old_company:
            counts.company(old_company, -1)
            if not new_company:
                transaction.delete("company_member", _company_member_model(tenant, contact["id"], old_company))
        if new_company:
            transaction.put("company_member", _company_member_model(tenant, contact["id"], new_company))
            counts.company(new_company, 1)
    _stage_groups(transaction, tenant, contact, previous, counts)
    old_terms = contact_rules.extra_search_terms(previous) if previous else set()
    new_terms = contact_rules.extra_search_terms(contact)
    for term in new_terms - old_terms:
        transaction.put("search_term", _search_term_model(tenant, contact["id"], term))
    for term in old_terms - new_terms:
        transaction.delete("search_term", _search_term_model(tenant, contact["id"], term))
    if counters is None:
        stage_counters(transaction, tenant, counts, contact["updated_at"], config.settings.get("contact_limit"))
    if check_fits:
        _ensure_fits(transaction, history_entries)
    return history_entries


def claim_emails(tenant: str, contacts: list[dict[str, Any]]) -> set[str]:
    """Write the email keys of new contacts before the contacts (imports), each only if the email
    is unclaimed or already this contact's (a chunk done again): the ids of the contacts whose
    email another contact holds. One conditional PutItem each, in parallel: a BatchWriteItem
    cannot carry a condition, and a read first cannot see a claim made since."""

    def claim(contact: dict[str, Any]) -> str | None:
        condition = EmailKeyItem.pk.does_not_exist() | (EmailKeyItem.contact_id == contact["id"])
        try:
            # only contacts with an email are claimed (below)
            _email_model(tenant, cast(str, contact_rules.email_key(contact)), contact).save(condition=condition)
        except PutError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return cast(str, contact["id"])
            raise
        return None

    return {taken for taken in _pool.map(claim, [c for c in contacts if contact_rules.email_key(c)]) if taken}


def release_emails(tenant: str, contacts: list[dict[str, Any]]) -> None:
    """Give back the email keys `claim_emails` wrote for contacts that will not be written."""
    with batches.writing() as batch:
        for contact in contacts:
            email = contact_rules.email_key(contact)
            if email:
                batch.delete(EmailKeyItem(keys.email_key_pk(tenant, email), keys.EMAIL_KEY_SK))


def insert_many(tenant: str, contacts: list[dict[str, Any]],
                finish: Callable[[Transaction], None] = lambda transaction: None,
                *, emails_claimed: bool = False) -> None:
    """Bulk-insert new contacts with BatchWriteItem (25 items a request) instead of one
    transaction each: for imports and seeding, whose caller has already made sure the ids are
    new, the emails unclaimed (seeding a new tenant) or claimed for these contacts
    (`claim_emails`, then `emails_claimed`: their keys are not written again), the companies
    there and the room in the plan reserved (`reserve_contacts`).

    The batches go first; then one transaction carries the tag and company counts, what `finish`
    stages (an import chunk's record) and, in the room left, the last unversioned items. So the
    counts move exactly once, with the caller's record, and the whole costs no more requests than
    the items ÷ 25. (Versioned contact items cannot ride in it: a transaction's put checks their
    version, and a chunk redone after a crash writes them again.)"""
    counts = Counters()
    versioned: list[ContactItem] = []
    unversioned: list[Any] = []
    for contact in contacts:
        versioned.append(_contact_model(tenant, contact, 1))
        email = contact_rules.email_key(contact)
        if email and not emails_claimed:
            unversioned.append(_email_model(tenant, email, contact))
        unversioned += [_view_model(tenant, contact["id"], sk, attributes)
                        for sk, attributes in contact_rules.view_entries(tenant, contact).items()]
        for tag in contact.get("tags", []):
            counts.tag(tag, 1)
        if contact.get("company_id"):
            unversioned.append(_company_member_model(tenant, contact["id"], contact["company_id"]))
            counts.company(contact["company_id"], 1)
        for group_id in contact.get("groups", []):
            unversioned.append(_group_member_model(tenant, contact["id"], group_id))
            counts.group(group_id, 1)
        unversioned += [_search_term_model(tenant, contact["id"], term)
                        for term in contact_rules.extra_search_terms(contact)]

    final = Transaction()
    finish(final)
    counted_in_final = len(final) + len(counts.tags) + len(counts.companies) + len(counts.groups) <= MAX_ITEMS
    if counted_in_final and contacts:
        stage_counters(final, tenant, counts, contacts[0]["created_at"], None)
    riders = _riders(unversioned, MAX_ITEMS - len(final), MAX_TRANSACTION_BYTES - final.size)
    for model in riders:
        final.put("rider", model)
    with batches.writing() as batch:
        for model in versioned + unversioned[:len(unversioned) - len(riders)]:
            batch.save(model)
    if not counted_in_final:  # more tags and companies than one transaction holds
        _add_counts(tenant, counts, contacts[0]["created_at"])
    if len(final):
        final.commit()


def _riders(models: list[Any], room: int, room_bytes: int) -> list[Any]:
    """The last of `models` that fit `room` more actions and `room_bytes` more bytes of a
    transaction (an email key carries a copy of its contact: up to 400 KB)."""
    taken = 0
    for model in reversed(models[len(models) - max(0, room):]):
        room_bytes -= stored_size(model)
        if room_bytes < 0:
            break
        taken += 1
    return models[len(models) - taken:]


def _add_counts(tenant: str, counts: Counters, now: str) -> None:
    for tag, count in counts.tags.items():
        _tag_item(tenant, tag).update(_tag_count_actions(tag, count, now))
    for company_id, count in counts.companies.items():
        CompanyItem(keys.company_pk(tenant, company_id), keys.COMPANY_SK).update(
            [CompanyItem.contact_count.add(count)], condition=CompanyItem.pk.exists(), add_version_condition=False)
    for group_id, count in counts.groups.items():
        _group_item(tenant, group_id).update([MemberGroupItem.contact_count.add(count)],
                                             condition=MemberGroupItem.pk.exists())


def reserve_contacts(tenant: str, wanted: int, contact_limit: int | None,
                     record: Callable[[Transaction, int], None]) -> int:
    """Count up to `wanted` new contacts toward the plan before writing them outside a
    transaction (imports), with what `record` adds to the same transaction (the job's note of
    it): how many fit (all of them without a limit)."""
    while True:
        granted = wanted
        if contact_limit is not None:
            granted = max(0, min(wanted, contact_limit - usage(tenant)))
            if granted == 0:
                return 0
        transaction = Transaction()
        stage_usage(transaction, tenant, granted, contact_limit)
        record(transaction, granted)
        try:
            transaction.commit()
            return granted
        except ConditionFailed as failure:
            if "quota" not in failure.labels:
                raise
            # others created contacts meanwhile: count the room again


def usage(tenant: str) -> int:
    """How many contacts the tenant has (consistent)."""
    try:
        return int(UsageItem.get(keys.tenant_pk(tenant), keys.USAGE_SK, consistent_read=True).contacts)
    except UsageItem.DoesNotExist:
        return 0


def delete(tenant: str, contact: dict[str, Any], version: int) -> None:
    """Delete the contact with its email key, tag memberships and counts in one transaction,
    which also marks its partition for cleanup; the rest of the partition (search terms,
    timeline) is the caller's to tidy (`delete_partition_items` removes the marker with the
    last of it). Cut short after the transaction, `pending_cleanups` still names it."""
    transaction = Transaction()
    stage_delete(transaction, tenant, contact, version)
    transaction.put("cleanup", PartitionCleanupItem(keys.tenant_pk(tenant), keys.cleanup_sk(contact["id"]),
                                                    contact_id=contact["id"]))
    transaction.commit()


def pending_cleanups(tenant: str, limit: int = 25) -> list[str]:
    """Deleted contacts of the tenant whose partitions are still marked for cleanup (a
    consistent Query, empty unless a delete was cut short or a tidy is under way)."""
    raws, _ = query(keys.tenant_pk(tenant), TableItem.sk.startswith(keys.CLEANUP_SK_PREFIX), consistent=True,
                    limit=limit)
    return [raw["contact_id"]["S"] for raw in raws]


def stage_delete(
    transaction: Transaction, tenant: str, contact: dict[str, Any], version: int,
    counters: Counters | None = None, label: str = "contact",
) -> None:
    """Add a contact's deletion (contact, email key, memberships, counters) to a transaction;
    counter changes go to `counters` when several contacts share the transaction."""
    transaction.delete(label, _contact_model(tenant, contact, version))
    email = contact_rules.email_key(contact)
    if email:
        transaction.delete(
            "email", EmailKeyItem(keys.email_key_pk(tenant, email), keys.EMAIL_KEY_SK),
            condition=EmailKeyItem.contact_id == contact["id"],
        )
    counts = Counters() if counters is None else counters
    counts.contacts -= 1
    for sk, attributes in contact_rules.view_entries(tenant, contact).items():
        transaction.delete("view", _view_model(tenant, contact["id"], sk, attributes))
    for tag in contact.get("tags", []):
        counts.tag(tag, -1)
    if contact.get("company_id"):
        transaction.delete("company_member", _company_member_model(tenant, contact["id"], contact["company_id"]))
        counts.company(contact["company_id"], -1)
    _stage_groups(transaction, tenant, {"id": contact["id"]}, contact, counts)
    if counters is None:
        stage_counters(transaction, tenant, counts, contact["updated_at"], None)


def delete_partition_items(tenant: str, contact_id: str, limit: int) -> tuple[int, bool]:
    """Up to `limit` of what a deleted contact leaves in its partition (search terms, timeline),
    read in one Query and deleted in batches of 25, with the partition's cleanup marker once
    nothing is left: (how many, whether nothing is left)."""
    raws, more = query(keys.contact_pk(tenant, contact_id), consistent=True, limit=limit)
    with batches.writing() as batch:
        for raw in raws:
            batch.delete(TableItem(raw["pk"]["S"], raw["sk"]["S"]))
        if not more:
            batch.delete(PartitionCleanupItem(keys.tenant_pk(tenant), keys.cleanup_sk(contact_id)))
    return len(raws), not more


def delete_rest_of_partition(tenant: str, contact_id: str) -> None:
    """Everything a deleted contact leaves in its partition, a page at a time: idempotent."""
    while not delete_partition_items(tenant, contact_id, 1_000)[1]:
        pass


# --- tags -----------------------------------------------------------------------------------

def list_tags(tenant: str) -> list[TagItem]:
    """The tenant's tags, but those being deleted."""
    raws = query_all(keys.tenant_pk(tenant), TableItem.sk.startswith(keys.TAG_SK_PREFIX), consistent=True)
    return [TagItem.from_raw_data(raw) for raw in raws if "deleting" not in raw]


def create_tag(tenant: str, name: str, now: str) -> TagItem:
    """Create an unused tag; raises PutError (ConditionalCheckFailed) when it exists."""
    item = TagItem(keys.tenant_pk(tenant), keys.tag_sk(name), name=name, contact_count=0, created_at=now)
    item.save(condition=TagItem.pk.does_not_exist())
    return item


def get_tag(tenant: str, name: str) -> TagItem | None:
    try:
        return TagItem.get(keys.tenant_pk(tenant), keys.tag_sk(name), consistent_read=True)
    except TagItem.DoesNotExist:
        return None


def tag_member_ids(tenant: str, tag: str, limit: int | None = None) -> list[str]:
    """Ids of the contacts carrying the tag (its view partition); with `limit`, at most that many
    (one Query)."""
    if limit is not None:
        raws, _ = query(keys.tag_members_pk(tenant, tag), index=VIEW_IDS_INDEX, limit=limit, attributes=("pk",))
        return [contact_id_of_raw(raw) for raw in raws]
    return view_ids(keys.tag_members_pk(tenant, tag))


def stage_tag_deletion(transaction: Transaction, tenant: str, name: str, job_id: str) -> None:
    """Mark the tag as being removed by the job: GET /v1/tags leaves it out from now on. Fails
    ("tag") when the tag is gone or another deletion has it already."""
    stage_deletion_mark(transaction, "tag", _tag_item(tenant, name), job_id)


def finish_tag_deletion(tenant: str, name: str, job_id: str | None) -> bool:
    """Delete the tag once no contact carries it (and, with `job_id`, only while that job's
    deletion has it); if contacts were tagged meanwhile, it stays, shown again with them. True
    when it was deleted."""
    return finish_deletion(_tag_item(tenant, name), job_id)


# A counted holder of contacts (a tag, a member group: `contact_count` and `deleting`) is deleted
# once its contacts are taken off it; a job doing that marks it `deleting` first.

def stage_deletion_mark(transaction: Transaction, label: str, holder: TagItem | MemberGroupItem, job_id: str) -> None:
    """Mark the holder as being emptied by the job (its lists leave it out from now on). Fails
    (`label`) when it is gone or another deletion has it already."""
    kind = type(holder)
    transaction.update(label, holder, [kind.deleting.set(job_id)],
                       condition=kind.pk.exists() & kind.deleting.does_not_exist())


def finish_deletion(holder: TagItem | MemberGroupItem, job_id: str | None) -> bool:
    """Delete the holder once it counts no contact (and, with `job_id`, only while that job's
    deletion has it); if contacts joined meanwhile, it stays, shown again with them. True when
    it was deleted."""
    kind = type(holder)
    owned = kind.deleting == job_id if job_id else kind.deleting.does_not_exist()
    try:
        holder.delete(condition=kind.pk.exists() & owned & (kind.contact_count <= 0))
        return True
    except DeleteError as error:
        if error_code(error) != "ConditionalCheckFailedException":
            raise
    if job_id:
        try:
            holder.update([kind.deleting.remove()], condition=owned)
        except UpdateError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
    return False


def save_changes(
    tenant: str, changes: list[tuple[dict[str, Any], dict[str, Any], int]], config: tenant_config.TenantConfig,
) -> list[str]:
    """Write (contact, previous, version) changes that touch neither the email nor tags (score
    counts, last customer action) in as few transactions as DynamoDB's limits allow; the ids whose
    version had moved on (to be read again and retried)."""
    stale: list[str] = []
    for chunk in _fitting_transactions(tenant, changes, config):
        transaction = Transaction()
        for position, (contact, previous, version) in enumerate(chunk):
            stage_save(transaction, tenant, contact, config, previous=previous, version=version,
                       check_config=position == 0, label=f"contact:{contact['id']}")
        try:
            transaction.commit()
        except ConditionFailed as failure:
            stale += [contact["id"] for contact, _, _ in chunk]  # the whole chunk was refused
            if "config" not in failure.labels and not any(label.startswith("contact:") for label in failure.labels):
                raise
    return stale


def _fitting_transactions(
    tenant: str, changes: list[tuple[dict[str, Any], dict[str, Any], int]], config: tenant_config.TenantConfig,
) -> list[list[tuple[dict[str, Any], dict[str, Any], int]]]:
    """`changes` in consecutive groups whose saves fit one transaction: at most 100 actions and
    4 MB (a contact and its email key's copy can take 800 KB). Each change is staged once on its
    own to measure it; each group starts with the config check (one action of a key's size)."""
    groups: list[list[tuple[dict[str, Any], dict[str, Any], int]]] = []
    actions = size = 0
    for contact, previous, version in changes:
        own_actions, own_size = save_footprint(tenant, contact, config, previous=previous, version=version)
        if not groups or actions + own_actions > MAX_ITEMS or size + own_size > MAX_TRANSACTION_BYTES:
            groups.append([])
            actions, size = 1, KB
        groups[-1].append((contact, previous, version))
        actions, size = actions + own_actions, size + own_size
    return groups


def save_footprint(tenant: str, contact: dict[str, Any], config: tenant_config.TenantConfig, *,
                   previous: dict[str, Any], version: int, actor: str = history_rules.SYSTEM_ACTOR) -> tuple[int, int]:
    """(actions, bytes) a contact's save adds to a transaction shared with others (without the
    config check and the counters; with its history entries), measured by staging it alone."""
    alone = Transaction()
    stage_save(alone, tenant, contact, config, previous=previous, version=version, check_config=False,
               counters=Counters(), actor=actor)
    return len(alone), alone.size


def delete_footprint(tenant: str, contact: dict[str, Any], version: int) -> int:
    """Actions a contact's deletion adds to a transaction shared with others: its own items, and
    its company's and member groups' counts (tag counts are shared by the slice: the caller keeps
    room for them)."""
    alone = Transaction()
    counters = Counters()
    stage_delete(alone, tenant, contact, version, counters)
    return len(alone) + len(counters.companies) + len(counters.groups)


def versions(tenant: str, contact_ids: Iterable[str]) -> dict[str, tuple[dict[str, Any], int]]:
    """Contacts with their versions, 100 keys per BatchGetItem (consistent)."""
    found = {}
    for item in batches.get(ContactItem, [contact_key(tenant, contact_id) for contact_id in dict.fromkeys(contact_ids)],
                                      consistent_read=True):
        found[item.data["id"]] = (as_dict(item.data), item.version)
    return found

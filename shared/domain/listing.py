"""Parameters of GET /v1/contacts: parsing, filters, and in-memory ordering for search results."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from shared import keys
from shared.domain import contacts as contact_rules
from shared.errors import BadRequest, FieldError, require_valid

MAX_LIMIT, DEFAULT_LIMIT = 200, 50
FILTER_PARAMS = ("tag", "status", "owner_id", "starred", "company")


def parse_limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        require_valid([FieldError("limit", f"must be a whole number from 1 to {MAX_LIMIT}")])
    return int(raw)


@dataclass(frozen=True)
class ContactQuery:
    sort: str = "created_at"
    descending: bool = True
    limit: int = DEFAULT_LIMIT
    q: str | None = None
    filters: dict[str, Any] = field(default_factory=dict)

    def fingerprint_fields(self, user_id: str, visible_owner: str | None) -> dict[str, Any]:
        """What a cursor is bound to: the view, and who asked (a cursor handed to one member is
        refused to another, even one who sees the same contacts)."""
        return {"sort": self.sort, "desc": self.descending, "q": self.q, "filters": self.filters,
                "owner": visible_owner, "user": user_id}

    @property
    def fetch_cap(self) -> int:
        """The most contacts a page may read to answer from an unordered set of ids (fetched,
        then ordered in memory): twice the page, and 50."""
        return 2 * self.limit + 50


@dataclass(frozen=True)
class View:
    """A view partition (shared.domain.contacts.view_entries) and the sorts its entries carry."""

    partition: str
    sorts: tuple[str, ...]


def view_of(tenant: str, condition: str, value: Any) -> View | None:
    """The view listing the contacts whose `condition` (`owner`, `tag`, `status`, `starred`,
    `company`) is `value`; None for `starred` false, which no view lists (most contacts)."""
    if condition == "owner":
        return View(keys.owner_pk(tenant, value), contact_rules.OWNER_VIEW_SORTS)
    partitions: dict[str, Callable[[], str | None]] = {
        "tag": lambda: keys.tag_members_pk(tenant, value),
        "status": lambda: keys.status_pk(tenant, value),
        "starred": lambda: keys.starred_pk(tenant) if value else None,
        "company": lambda: keys.company_name_pk(tenant, value),
    }
    partition = partitions[condition]()
    return None if partition is None else View(partition, contact_rules.VIEW_SORTS)


VIEW_CONDITIONS = ("owner", "tag", "status", "starred", "company")


def views_of(tenant: str, filters: dict[str, Any], visible_owner: str | None) -> list[View] | None:
    """The view partitions that the list's conditions (its filters and owner visibility) each
    narrow the list to; None when they contradict (an `owner_id` filter naming someone else than
    the only owner the caller may see): nothing matches. `starred=false` has no view (most
    contacts are not starred): it stays a filter."""
    owners = {owner for owner in (filters.get("owner_id"), visible_owner) if owner is not None}
    if len(owners) > 1:
        return None
    views = [view_of(tenant, "owner", owner) for owner in owners]
    views += [view_of(tenant, name, filters[name]) for name in VIEW_CONDITIONS if name != "owner" and name in filters]
    return [view for view in views if view is not None]


def unserved_filters(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters no view partition serves (`starred=false`)."""
    return {name: wanted for name, wanted in filters.items() if name == "starred" and wanted is False}


def parse_query(params: dict[str, str]) -> ContactQuery:
    errors: list[FieldError] = []
    sort = params.get("sort", "created_at")
    if sort not in contact_rules.SORT_FIELDS:
        errors.append(FieldError("sort", f"must be one of {', '.join(contact_rules.SORT_FIELDS)}"))
    order = params.get("order", "desc")
    if order not in ("asc", "desc"):
        errors.append(FieldError("order", "must be asc or desc"))
    filters: dict[str, Any] = {}
    for name in FILTER_PARAMS:
        if name in params:
            filters[name] = params[name]
    if "starred" in filters:
        if filters["starred"] not in ("true", "false"):
            errors.append(FieldError("starred", "must be true or false"))
        filters["starred"] = filters["starred"] == "true"
    if "status" in filters and filters["status"] not in contact_rules.STATUSES:
        errors.append(FieldError("status", f"must be one of {', '.join(contact_rules.STATUSES)}"))
    q = params.get("q", "").strip() or None
    if q and len(q) > 200:
        errors.append(FieldError("q", "must be at most 200 characters"))
    limit = parse_limit(params.get("limit"))
    require_valid(errors)
    return ContactQuery(sort, order == "desc", limit, q, filters)


def matches(contact: dict[str, Any], filters: dict[str, Any]) -> bool:
    """The in-memory form of the filters (search results are filtered after the index lookup)."""
    for name, wanted in filters.items():
        if name == "tag":
            if wanted not in contact.get("tags", []):
                return False
        elif contact.get(name) != wanted:
            return False
    return True


def order_search_results(contacts: list[dict[str, Any]], query: ContactQuery) -> list[dict[str, Any]]:
    """Search results in the order of the sorted index: by the index's own sort key (value, then
    id), and contacts lacking the sort value last in either order."""
    keyed = [(keys.sorted_sk(contact_rules.sort_value(contact, query.sort), contact["id"]), contact)
             for contact in contacts]
    return [contact for _, contact in by_sort_key(keyed, query.descending)]


T = TypeVar("T")


def by_sort_key(keyed: list[tuple[str, T]], descending: bool) -> list[tuple[str, T]]:
    """Entries ordered as the sorted index walks them (shared.keys.sorted_sk keys): the present
    values first, then the missing ones, each run ascending or descending."""
    present = [entry for entry in keyed if entry[0].startswith(f"{keys.PRESENT}#")]
    missing = [entry for entry in keyed if not entry[0].startswith(f"{keys.PRESENT}#")]
    ordered = sorted(present, key=lambda entry: entry[0], reverse=descending)
    return ordered + sorted(missing, key=lambda entry: entry[0], reverse=descending)


def comes_after(key: str, position: str, descending: bool) -> bool:
    """Whether a sort key comes after `position` in the order of `by_sort_key`."""
    if key[:1] != position[:1]:
        return key[:1] > position[:1]
    return key < position if descending else key > position


def bad_cursor() -> BadRequest:
    return BadRequest("The cursor is not valid for this query; start again without a cursor.")

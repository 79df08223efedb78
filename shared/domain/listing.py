"""Parameters of GET /v1/contacts: parsing, filters, and in-memory ordering for search results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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

    def fingerprint_fields(self, visible_owner: str | None) -> dict[str, Any]:
        return {"sort": self.sort, "desc": self.descending, "q": self.q, "filters": self.filters, "owner": visible_owner}


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
    present: list[tuple[str, dict[str, Any]]] = []
    missing: list[tuple[str, dict[str, Any]]] = []
    for contact in contacts:
        value = contact_rules.sort_value(contact, query.sort)
        (missing if value is None else present).append((keys.sorted_sk(value, contact["id"]), contact))
    ordered = sorted(present, key=lambda entry: entry[0], reverse=query.descending)
    ordered += sorted(missing, key=lambda entry: entry[0], reverse=query.descending)
    return [contact for _, contact in ordered]


def bad_cursor() -> BadRequest:
    return BadRequest("The cursor is not valid for this query; start again without a cursor.")

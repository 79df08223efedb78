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


def search_order_key(contact: dict[str, Any], sort: str, descending: bool) -> tuple[str, str, str]:
    """A key ordering search results like the sorted indexes: missing values last in either order."""
    value = contact_rules.sort_value(contact, sort)
    return (keys.MISSING, "", contact["id"]) if value is None else (keys.PRESENT, value, contact["id"])


def order_search_results(contacts: list[dict[str, Any]], query: ContactQuery) -> list[dict[str, Any]]:
    present = [c for c in contacts if contact_rules.sort_value(c, query.sort) is not None]
    missing = [c for c in contacts if contact_rules.sort_value(c, query.sort) is None]
    present.sort(key=lambda c: search_order_key(c, query.sort, query.descending), reverse=query.descending)
    missing.sort(key=lambda c: c["id"], reverse=query.descending)
    return present + missing


def bad_cursor() -> BadRequest:
    return BadRequest("The cursor is not valid for this query; start again without a cursor.")

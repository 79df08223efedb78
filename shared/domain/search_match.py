"""Advanced contact search, in-memory matching: whether a contact meets a parsed filter
(shared.domain.search), each value compared in the form its field's type gives it. Pure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, cast

from shared.domain import contacts, score, validation
from shared.domain.search import (
    PROPERTY_PREFIX,
    Context,
    Group,
    MailCondition,
    Node,
    TagCondition,
    decimal_of,
    form_of,
    normalise_text,
)


def matches(node: Node, contact: dict[str, Any], context: Context) -> bool:
    """Whether the contact satisfies the filter (the score is computed at most once)."""
    return _match(node, contact, context, {})


def _match(node: Node, contact: dict[str, Any], context: Context, cache: dict[str, Any]) -> bool:
    if isinstance(node, Group):
        results = (_match(child, contact, context, cache) for child in node.children)
        return all(results) if node.kind == "and" else any(results)
    if isinstance(node, TagCondition):
        tags = set(contact.get("tags") or ())
        if node.include:
            hits = [tag in tags for tag in node.include]
            if not (all(hits) if node.include_mode == "all" else any(hits)):
                return False
        if node.exclude:
            hits = [tag in tags for tag in node.exclude]
            if all(hits) if node.exclude_mode == "all" else any(hits):
                return False
        return True
    if isinstance(node, MailCondition):
        return contact.get("id") in context.mail_ids[node.query]
    form = node.form or form_of(node.field)
    actual = _normalise_stored(form, _stored(node.field, contact, context, cache))
    return _compare(node.op, form, actual, node.value)


def _score(contact: dict[str, Any], context: Context, cache: dict[str, Any]) -> int:
    if "score" not in cache:
        cache["score"] = score.score(contact, context.settings["score_weights"], context.today)
    return cast(int, cache["score"])


def _stored(field: str, contact: dict[str, Any], context: Context, cache: dict[str, Any]) -> Any:
    """The contact's value of a field, derived values computed as the API shows them."""
    if field.startswith(PROPERTY_PREFIX):
        return (contact.get("properties") or {}).get(field[len(PROPERTY_PREFIX):])
    if field == "display_name":
        return contacts.display_name(contact, context.settings.get("name_order", "family_given"))
    if field == "score":
        return _score(contact, context, cache)
    if field == "engagement":
        return score.engagement(_score(contact, context, cache), context.settings["engagement_thresholds"])
    if field == "delivery_status":
        return contact.get("delivery_status", "unconfirmed")  # as contacts.index_keys files it
    if field in contacts.COUNTS:
        return contact.get(field) or 0  # as contacts.public shows it
    return contact.get(field)


def _normalise_stored(form: str, value: Any) -> Any:
    """A stored value in the form the condition's value has; None for missing or unusable."""
    if value is None:
        return None
    if form == "boolean":
        return value if isinstance(value, bool) else None
    if form == "number":
        return None if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)) else decimal_of(value)
    if not isinstance(value, str):
        return None
    if form == "choice":
        return value or None
    if form == "instant":
        return _stored_instant(value)
    if form == "date":
        return _stored_date(value)
    return normalise_text(form, value) or None


def _stored_instant(value: str) -> str | None:
    if len(value) == 24 and value[10] == "T" and value.endswith("Z"):
        return value  # already the contract's form
    instant, error = validation.timestamp(value)
    return None if error else instant


def _stored_date(value: str) -> str | None:
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        instant, error = validation.timestamp(value)
        return None if error else instant[:10]


def _compare(op: str, form: str, actual: Any, wanted: Any) -> bool:
    if op == "exists":
        return actual is not None
    if op == "not_exists":
        return actual is None
    if op == "ne":
        return actual is None or not _equal(form, actual, wanted)
    if actual is None:
        return False
    if op == "eq":
        return _equal(form, actual, wanted)
    if op == "in":
        return actual in wanted
    if op == "contains":
        return wanted in actual
    if op == "prefix":
        return cast(bool, actual.startswith(wanted))
    if op == "between":
        return cast(bool, wanted[0] <= actual <= wanted[1])
    return cast(bool, {"gt": actual > wanted, "gte": actual >= wanted, "lt": actual < wanted,
                       "lte": actual <= wanted}[op])


def _equal(form: str, actual: Any, wanted: Any) -> bool:
    if form in ("instant", "date"):
        return cast(bool, wanted[0] <= actual <= wanted[1])
    return cast(bool, actual == wanted)

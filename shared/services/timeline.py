"""A contact's timeline (GET /v1/contacts/{id}/timeline) and the activities people log on it.

A `user` edits and deletes only the activities they logged; owner, admin and manager any.
System entries (emails, tracking, mail events, changes the product made) cannot be edited or
deleted (409). A logged activity counts toward the contact's score; a logged call also reaches
out to the contact: it sets first/last_contacted_at and makes the caller owner of an ownerless
contact, as an email sent does. Editing or deleting an entry moves its score count, and for a
call recomputes the contacted times from the calls and emails sent that remain.
"""

from __future__ import annotations

from typing import Any

from shared import cursor, keys
from shared.config import CONFIG
from shared.db import activities as repository
from shared.db import members as member_store
from shared.db.contacts import ContactChange
from shared.domain import activities, listing, score, validation
from shared.domain import contacts as contact_rules
from shared.domain.access import Principal
from shared.domain.ids import id_at, new_id
from shared.errors import Conflict, FieldError, Forbidden, NotFound, require_valid
from shared.services.contacts import until_settled, visible_contact, visible_contact_versioned

EDITOR_ROLES = frozenset({"owner", "admin", "manager"})


def _range(params: dict[str, str]) -> tuple[list[str], str | None, str | None]:
    errors = []
    types = [name for name in (params.get("type") or "").split(",") if name]
    unknown = [name for name in types if not activities.is_type(name)]
    if unknown:
        errors.append(FieldError("type", f"not an activity type: {', '.join(unknown)} (one of the CRM's types or "
                                         "your own lower_snake_case type)"))
    bounds = {}
    for name in ("from", "to"):
        if name in params:  # given empty, it is no date-time either
            bounds[name], error = validation.timestamp(params[name])
            if error:
                errors.append(FieldError(name, error))
    if bounds.get("from") and bounds.get("to") and bounds["from"] > bounds["to"]:
        errors.append(FieldError("from", "must not be after `to`"))
    require_valid(errors)
    return types, bounds.get("from"), bounds.get("to")


def timeline(principal: Principal, contact_id: str, params: dict[str, str]) -> dict[str, Any]:
    visible_contact(principal, contact_id)
    types, since, until = _range(params)
    limit = listing.parse_limit(params.get("limit"))
    fingerprint = cursor.fingerprint({"timeline": contact_id, "types": types, "from": since, "to": until})
    start = cursor.decode(CONFIG.cursor_secret, principal.tenant,
                          fingerprint, params["cursor"]) if params.get("cursor") else None
    if start is not None and not isinstance(start, dict):
        raise listing.bad_cursor()
    page = repository.page(principal.tenant, contact_id, types, since, until, limit, start)
    items, last = page.fit(page.items)
    return {"items": with_actor_names(principal.tenant, items),
            "next_cursor": cursor.encode(CONFIG.cursor_secret, principal.tenant, fingerprint, last) if last else None}


def with_actor_names(tenant: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each `user` actor with the member's current `name` (null for one no longer a member): one
    BatchGetItem of the page's distinct users, none for a page without them."""
    users = {item["actor"]["id"] for item in items if item["actor"].get("kind") == "user" and item["actor"].get("id")}
    if not users:
        return items
    names = {user_id: member["name"] for user_id, member in member_store.existing(tenant, users).items()}
    return [{**item, "actor": {**item["actor"], "name": names.get(item["actor"].get("id"))}}
            if item["actor"].get("kind") == "user" else item for item in items]


def _not_found(activity_id: str) -> NotFound:
    return NotFound(f"No activity with id {activity_id} exists on this contact (or you may not see it).")


def _contact_change(activity: dict[str, Any], principal: Principal,
                    contact_id: str) -> tuple[ContactChange, list[dict[str, Any]]]:
    """The contact update a logged activity makes: its score counts, and for a call the
    contacted times and owner (with `owner_assigned` when the caller became owner)."""
    contact, version, config = visible_contact_versioned(principal, contact_id)
    now = validation.now()
    updated, entries = score.counted(contact, [(activity["type"], activity["occurred_at"], False)]), []
    if activity["type"] == "call":
        updated, assigned = contact_rules.record_contacted(updated, principal.user_id, activity["occurred_at"], now)
        if assigned:
            entries.append(activities.owner_assigned(new_id(), now, principal.user_id, principal.user_id, "first_call"))
    return ({**updated, "updated_at": now}, contact, version, config), entries


def create(principal: Principal, contact_id: str, body: Any) -> dict[str, Any]:
    visible_contact(principal, contact_id)
    return _log(principal, contact_id, activities.parse_custom(body, validation.now()))


NO_PHONE = "This contact has no phone number; add one to call."


def log_call(principal: Principal, contact_id: str, body: Any) -> dict[str, Any]:
    """POST /v1/contacts/{id}/calls: the call on the timeline, and the `tel:` URI to dial."""
    contact, _ = visible_contact(principal, contact_id)
    dial = contact_rules.dial_uri(contact.get("phone"))
    if dial is None:
        require_valid([FieldError("phone", "is empty", "required")], NO_PHONE)
    return {"activity": _log(principal, contact_id, activities.parse_call(body, validation.now())), "dial": dial}


def _log(principal: Principal, contact_id: str, values: dict[str, Any]) -> dict[str, Any]:
    # its id carries its time, so the next request finds it with a consistent read
    activity = activities.custom(id_at(values["occurred_at"]), values, principal.user_id)

    def attempt() -> dict[str, Any]:
        change, entries = _contact_change(activity, principal, contact_id)
        repository.save(principal.tenant, contact_id, activity, contact_change=change, also=entries)
        return {**activity, "actor": {**activity["actor"], "name": principal.name}}

    return until_settled(attempt)


def _editable(principal: Principal, contact_id: str, activity_id: str) -> dict[str, Any]:
    visible_contact(principal, contact_id)
    activity = repository.find(principal.tenant, contact_id, activity_id) if keys.is_plain_id(activity_id) else None
    if activity is None:
        raise _not_found(activity_id)
    if activity["type"] not in activities.CUSTOM_TYPES:
        raise Conflict(f"A {activity['type']} entry is written by the system; it cannot be edited or deleted.",
                       [FieldError("type", f"is {activity['type']}", "system_activity")])
    if principal.role not in EDITOR_ROLES and activity["actor"].get("id") != principal.user_id:
        raise Forbidden("Your role (user) can change only the activities you logged.")
    return activity


def _recounted(principal: Principal, contact_id: str, before: dict[str, Any],
               after: dict[str, Any] | None) -> ContactChange | None:
    """The contact change of editing (`after`) or deleting a logged activity: its score counts
    moved, and when a call is involved the contacted times recomputed from the remaining
    entries (the owner stays); None when nothing changes."""
    contact, version, config = visible_contact_versioned(principal, contact_id)
    updated = score.counted(contact, [(before["type"], before["occurred_at"], False)], step=-1)
    if after is not None:
        updated = score.counted(updated, [(after["type"], after["occurred_at"], False)])
    if "call" in (before["type"], (after or {}).get("type")):
        first, last = repository.time_bounds(principal.tenant, contact_id, activities.CONTACTING_TYPES, before["id"])
        if after is not None and after["type"] == "call":
            first, last = min(first or after["occurred_at"],
                              after["occurred_at"]), max(last or "", after["occurred_at"])
        updated = contact_rules.with_contacted_times(updated, first, last)
    if updated == contact:
        return None
    return {**updated, "updated_at": validation.now()}, contact, version, config


def update(principal: Principal, contact_id: str, activity_id: str, body: Any) -> dict[str, Any]:
    previous = _editable(principal, contact_id, activity_id)
    values = activities.parse_custom(body, validation.now(), previous)
    activity = {**activities.custom(activity_id, values, previous["actor"]["id"]), "actor": previous["actor"]}

    def attempt() -> dict[str, Any]:
        change = _recounted(principal, contact_id, previous, activity)
        repository.save(principal.tenant, contact_id, activity, previous=previous, contact_change=change)
        return with_actor_names(principal.tenant, [activity])[0]

    return until_settled(attempt)


def delete(principal: Principal, contact_id: str, activity_id: str) -> None:
    activity = _editable(principal, contact_id, activity_id)
    until_settled(lambda: repository.delete(principal.tenant, contact_id, activity,
                                            _recounted(principal, contact_id, activity, None)))

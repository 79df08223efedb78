"""Property history: which contact fields a write changed, old → new, as the history keeps them.

A field is one of the writable contact fields (shared.domain.contacts.WRITABLE), `tags`, or a
custom property as `properties.KEY`. Read-only fields the system maintains (score, last
actions, delivery status...) are counters and states, not history.
"""

from __future__ import annotations

from typing import Any

from shared.domain import contacts as contact_rules
from shared.domain import properties as property_rules
from shared.errors import FieldError, require_valid

PROPERTY_PREFIX = "properties."
TRACKED = (*contact_rules.WRITABLE, "tags")
SYSTEM_ACTOR = "system"


def import_actor(job_id: str) -> str:
    return f"import:{job_id}"


def api_key_actor(key_id: str) -> str:
    return f"api_key:{key_id}"


def is_member_actor(actor: str) -> bool:
    """Whether the actor is a member's id (the other actors name their kind before a colon)."""
    return actor != SYSTEM_ACTOR and ":" not in actor


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, old, new) for each tracked field whose value differs, fields in a fixed order
    (writable fields, tags, then properties by key); a missing value is None."""
    changes = [(name, before.get(name), after.get(name)) for name in TRACKED if before.get(name) != after.get(name)]
    old_properties, new_properties = before.get("properties") or {}, after.get("properties") or {}
    for key in sorted(old_properties.keys() | new_properties.keys()):
        if old_properties.get(key) != new_properties.get(key):
            changes.append((PROPERTY_PREFIX + key, old_properties.get(key), new_properties.get(key)))
    return changes


def parse_field(raw: str | None) -> str | None:
    """The `field` of a history query: None (every field), a tracked field or `properties.KEY`;
    422 otherwise (an archived or deleted property keeps its history, so any valid key is asked)."""
    if raw is None:
        return None
    if raw in TRACKED or (raw.startswith(PROPERTY_PREFIX) and property_rules.is_key(raw[len(PROPERTY_PREFIX):])):
        return raw
    require_valid([FieldError("field", "must be a contact field (such as status or tags) or properties.KEY",
                              "unknown_field")], "The field to show the history of is not a contact field.")
    return None

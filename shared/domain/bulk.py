"""Bulk actions on contacts (POST /v1/contacts/bulk): the request, and what one action does to
one contact. Pure.

Every action is idempotent on the contact (a tag already there is not added again, a status
already set changes nothing), so a chunk done again after a crash changes nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.domain import contacts as contact_rules
from shared.domain import fields, validation
from shared.domain import groups as group_rules
from shared.errors import FieldError, require_valid

ACTIONS = ("add_tags", "remove_tags", "star", "unstar", "set_status", "set_owner", "delete", "opt_out", "add_to_group",
           "remove_from_group")
SYNC_IDS = 100  # up to this many ids answer at once; larger selections become a job
MAX_IDS = 10_000
MAX_TAGS_PER_ACTION = 10
_PARAMS = {"add_tags": {"tags"}, "remove_tags": {"tags"}, "set_status": {"status"}, "set_owner": {"owner_id"},
           "add_to_group": {"group_id"}, "remove_from_group": {"group_id"}}
GROUP_ACTIONS = ("add_to_group", "remove_from_group")


def _contact_ids(value: Any) -> validation.Result:
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item for item in value):
        return None, "must be a non-empty list of contact ids"
    if len(value) > MAX_IDS:
        return None, f"must hold at most {MAX_IDS:,} ids"
    return value, None


# POST /v1/member-groups/{id}/members: the group action `add_to_group` on the contacts given
MEMBER_GROUP_MEMBERS_INPUT = fields.Body("MemberGroupMembersInput", "member group members", {
    "contact_ids": fields.Field(_contact_ids, {"type": "array", "items": {"type": "string", "minLength": 1},
                                               "minItems": 1, "maxItems": MAX_IDS},
                                f"Contacts to add: up to {SYNC_IDS} answer at once, more run as a bulk job (202).",
                                nullable=False),
}, required=("contact_ids",), example={"contact_ids": ["01JD3Q2X5Y7Z8A9B0C1D2E3F4G"]})


@dataclass(frozen=True)
class Request:
    selection: str  # "ids", "filter" or "segment_id"
    target: Any  # the ids (deduplicated), the filter tree, or the segment id
    action: str
    params: dict[str, Any]

    @property
    def synchronous(self) -> bool:
        return self.selection == "ids" and len(self.target) <= SYNC_IDS


# `selection` of a bulk action or a bulk email (checked apart, by parse_selection: its errors name
# the part that is wrong)
SELECTION_SCHEMA = {
    "type": "object", "additionalProperties": False, "minProperties": 1, "maxProperties": 1,
    "description": f'Exactly one of `{{"ids": [...]}}` (at most {MAX_IDS:,}), `{{"filter": {{...}}}}`, '
                   '`{"segment_id": "..."}`.',
    "properties": {"ids": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1,
                           "maxItems": MAX_IDS},
                   "filter": {"$ref": "#/components/schemas/Filter"},
                   "segment_id": {"type": "string", "minLength": 1}}}


def parse_selection(value: Any, errors: list[FieldError]) -> tuple[str, Any]:
    """(kind, target) of a selection {"ids"}|{"filter"}|{"segment_id"} (SELECTION_SCHEMA); its
    problems go to `errors`."""
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in ("ids", "filter", "segment_id"):
        errors.append(FieldError("selection",
                                 'must be one of {"ids": [...]}, {"filter": {...}}, {"segment_id": "..."}'))
        return "", None
    kind, target = next(iter(value.items()))
    if kind == "ids":
        if not isinstance(target, list) or not target or not all(isinstance(item, str) and item for item in target):
            errors.append(FieldError("selection.ids", "must be a non-empty list of contact ids"))
        elif len(target) > MAX_IDS:
            errors.append(FieldError("selection.ids", f"must hold at most {MAX_IDS:,} ids; select by filter instead"))
        else:
            target = list(dict.fromkeys(target))
    elif kind == "segment_id" and (not isinstance(target, str) or not target):
        errors.append(FieldError("selection.segment_id", "must be a segment id"))
    return kind, target


_STATUS = fields.choice(contact_rules.STATUSES, None, "`set_status`: the status the contacts get.")
_OWNER = fields.text(128, "`set_owner`: the member who owns the contacts.",
                     clears="It must be given: `null` or an empty string makes the contacts ownerless.")


def _params(action: str, value: Any, errors: list[FieldError]) -> dict[str, Any]:
    value = {} if value is None else value
    if not isinstance(value, dict):
        errors.append(FieldError("params", "must be an object"))
        return {}
    wanted = _PARAMS.get(action, set())
    errors += [FieldError(f"params.{name}", f"is not a parameter of {action}", "unknown_field")
               for name in value if name not in wanted]
    params: dict[str, Any] = {}
    if "tags" in wanted:
        tags = value.get("tags")
        if not isinstance(tags, list) or not 1 <= len(tags) <= MAX_TAGS_PER_ACTION:
            errors.append(FieldError("params.tags", f"must list 1 to {MAX_TAGS_PER_ACTION} tag names"))
        else:
            names = []
            for index, tag in enumerate(tags):
                name, error = contact_rules.tag_name(tag)
                if error:
                    errors.append(FieldError(f"params.tags[{index}]", error))
                elif name not in names:
                    names.append(name)
            params["tags"] = names
    if "status" in wanted:
        params["status"], error = _STATUS(value.get("status"))
        if error:
            errors.append(FieldError("params.status", error))
    if "owner_id" in wanted:
        if "owner_id" not in value:
            errors.append(FieldError("params.owner_id", "is required (null makes the contacts ownerless)", "required"))
        owner, error = (None, None) if value.get("owner_id") is None else _OWNER(value["owner_id"])
        if error:
            errors.append(FieldError("params.owner_id", error))
        params["owner_id"] = owner or None
    if "group_id" in wanted:
        if not isinstance(value.get("group_id"), str) or not value["group_id"]:
            errors.append(FieldError("params.group_id", "is required: the id of one of your member groups", "required"))
        params["group_id"] = value.get("group_id")
    return params


_ACTION = fields.choice(ACTIONS, None, "What is done to each selected contact.")
BULK_REQUEST = fields.Body("BulkRequest", "bulk", {
    "selection": SELECTION_SCHEMA,
    "action": _ACTION,
    "params": {"type": "object", "nullable": True, "additionalProperties": False,
               "description": f'`add_tags`/`remove_tags`: `{{"tags": [...]}}` (1 to {MAX_TAGS_PER_ACTION}); '
                              '`set_status`: `{"status"}`; `set_owner`: `{"owner_id"}` (null: ownerless); '
                              '`add_to_group`/`remove_from_group`: `{"group_id"}`; the others none (`null` is none). '
                              "A parameter another action takes is a 422.",
               "properties": {"tags": {"type": "array", "items": contact_rules.TAG_NAME_SCHEMA, "minItems": 1,
                                       "maxItems": MAX_TAGS_PER_ACTION},
                              "status": _STATUS.openapi(), "owner_id": _OWNER.openapi(),
                              "group_id": {"type": "string", "minLength": 1}}},
}, required=("selection", "action"),
    example={"selection": {"ids": ["01JD3Q2X5Y7Z8A9B0C1D2E3F4G"]}, "action": "add_tags", "params": {"tags": ["VIP"]}})


def parse(body: Any) -> Request:
    """POST /v1/contacts/bulk (BULK_REQUEST): the params are those of the action; 422 naming each
    wrong field or parameter."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")])
    errors = BULK_REQUEST.unknown(body)
    selection, target = parse_selection(body.get("selection"), errors)
    action, error = _ACTION(body.get("action"))
    if error:
        errors.append(FieldError("action", error))
    params = _params(action, body.get("params"), errors) if action in ACTIONS else {}
    require_valid(errors)
    return Request(selection, target, action, params)


class Refused(Exception):
    """The action cannot apply to this contact (its result is `forbidden` with the reason)."""


def applied(contact: dict[str, Any], action: str, params: dict[str, Any], now: str) -> dict[str, Any]:
    """The contact after the action (unchanged when it already holds); not for `delete`."""
    changes: dict[str, Any] = {}
    tags = list(contact.get("tags", []))
    if action == "add_tags":
        tags += [tag for tag in params["tags"] if tag not in tags]
        if len(tags) > contact_rules.MAX_TAGS:
            raise Refused(f"would carry more than {contact_rules.MAX_TAGS} tags")
        changes["tags"] = tags
    elif action == "remove_tags":
        changes["tags"] = [tag for tag in tags if tag not in params["tags"]]
    elif action in ("star", "unstar"):
        changes["starred"] = action == "star"
    elif action == "set_status":
        changes["status"] = params["status"]
    elif action == "set_owner":
        changes["owner_id"] = params["owner_id"]
    elif action == "opt_out":
        changes["marketing_opt_out"] = True
    elif action == "add_to_group":
        changes["groups"] = group_rules.joined(list(contact.get("groups", [])), params["group_id"])
        if len(changes["groups"]) > group_rules.MAX_GROUPS_PER_CONTACT:
            raise Refused(f"would be in more than {group_rules.MAX_GROUPS_PER_CONTACT} member groups")
    elif action == "remove_from_group":
        changes["groups"] = group_rules.left(list(contact.get("groups", [])), params["group_id"])
    if all(contact.get(name) == value for name, value in changes.items()):
        return contact
    return contact_rules.apply_changes(contact, changes, now)

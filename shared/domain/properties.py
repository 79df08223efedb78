"""Custom property definitions and the typed validation of their values."""

from __future__ import annotations

import re
from typing import Any

from shared.domain import fields, validation
from shared.errors import FieldError, require_valid

TYPES = ("text", "email", "number", "boolean", "date", "select")
MAX_PROPERTIES = 500
MAX_OPTIONS = 200
MAX_LABEL_LENGTH = 100
MAX_OPTION_LENGTH = 100
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def is_key(key: Any) -> bool:
    """Whether `key` is a well-formed property key (lower_snake_case, at most 64 characters)."""
    return isinstance(key, str) and bool(_KEY.fullmatch(key))


def _key(value: Any) -> validation.Result:
    if not is_key(value):
        return None, "must start with a-z and contain only a-z, 0-9 and _ (at most 64)"
    return value, None


_PROPERTY_KEY = fields.Field(_key, {"type": "string", "pattern": _KEY.pattern},
                             "Starts with a-z; a-z, 0-9 and `_`; at most 64 characters. Unique per tenant (409).",
                             nullable=False)
# `label` and each option cannot be emptied: _check_label and _check_options refuse an empty one.
_LABEL = fields.text(MAX_LABEL_LENGTH, "Name of the property as users see it.", required=True)
_OPTION = fields.text(MAX_OPTION_LENGTH, "A choice.", required=True)
_TYPE = fields.choice(TYPES, None, "Type of the values: `text` (at most 10,000 characters, line breaks allowed), "
                                   "`email`, `number`, `boolean`, `date` (`YYYY-MM-DD`) or `select` (one of "
                                   "`options`). Cannot be changed.")
_ARCHIVED = fields.boolean(None, "`true` archives the property, `false` restores it.")


def _options_schema(description: str) -> dict[str, Any]:
    """`options` (checked apart, by _check_options: whether it is allowed depends on the type)."""
    return {"type": "array", "minItems": 1, "items": _OPTION.openapi(),
            "description": f"{description} Each is trimmed; duplicates are dropped, and at most {MAX_OPTIONS} may "
                           "remain."}


PROPERTY_DEFINITION_INPUT = fields.Body("PropertyDefinitionInput", "property", {
    "key": _PROPERTY_KEY,
    "label": _LABEL,
    "type": _TYPE,
    "options": {**_options_schema("Required (non-empty) for `select`; must be absent or `null` for other types."),
                "nullable": True},
}, required=("key", "label", "type"), example={"key": "industry", "label": "業種", "type": "select",
                                               "options": ["製造", "小売"]})
PROPERTY_DEFINITION_UPDATE = fields.Body("PropertyDefinitionUpdate", "property", {
    "label": _LABEL,
    "options": _options_schema("Choices of a `select` property (another type's options are a 422); they replace "
                               "the stored ones."),
    "archived": _ARCHIVED,
}, description="Only `label`, `options` (select properties only) and `archived` can change.",
    example={"archived": True})

_VALUE_CHECKS = {
    "text": lambda value: validation.text(value, max_length=10_000, multiline=True),
    "email": validation.email,
    "number": validation.number,
    "boolean": validation.boolean,
    "date": validation.iso_date,
}


def _check_label(body: dict[str, Any], errors: list[FieldError]) -> str | None:
    label: str | None
    label, error = _LABEL(body.get("label"))
    if error or not label:
        errors.append(FieldError("label", error or "is required", "required" if not error else "invalid"))
    return label


def _check_options(options: Any, errors: list[FieldError]) -> list[str] | None:
    if not isinstance(options, list) or not options:
        errors.append(FieldError("options", "a select property needs a non-empty list of options", "required"))
        return None
    cleaned: list[str] = []
    for index, option in enumerate(options):
        value, error = _OPTION(option)
        if error or not value:
            errors.append(FieldError(f"options[{index}]", error or "must not be empty"))
        elif value not in cleaned:
            cleaned.append(value)
    if len(cleaned) > MAX_OPTIONS:
        errors.append(FieldError("options", f"at most {MAX_OPTIONS} options"))
    return cleaned


def new_definition(body: Any, existing: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A definition from a POST /v1/properties body (PROPERTY_DEFINITION_INPUT); raises
    ValidationFailed naming each field, the unknown ones first in the order of their names."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")])
    errors = sorted(PROPERTY_DEFINITION_INPUT.unknown(body), key=lambda unknown: unknown.field)
    key, error = _PROPERTY_KEY(body.get("key"))
    if error:
        errors.append(FieldError("key", error))
    label = _check_label(body, errors)
    kind, error = _TYPE(body.get("type"))
    if error:
        errors.append(FieldError("type", error))
    options = None
    if kind == "select":
        options = _check_options(body.get("options"), errors)
    elif body.get("options") is not None:
        errors.append(FieldError("options", "only a select property has options"))
    if len(existing) >= MAX_PROPERTIES:
        errors.append(FieldError("key", f"a tenant can define at most {MAX_PROPERTIES} properties", "limit"))
    require_valid(errors)
    return {"key": key, "label": label, "type": kind, "options": options, "archived": False}


def updated_definition(definition: dict[str, Any], body: Any) -> dict[str, Any]:
    """The definition after a PATCH (label, options, archived: PROPERTY_DEFINITION_UPDATE); a field
    it has not is told read-only, in the order of their names."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")])
    errors = [FieldError(name, "cannot be changed (only label, options and archived)", "read_only")
              for name in sorted(body) if name not in PROPERTY_DEFINITION_UPDATE.fields]
    updated = dict(definition)
    if "label" in body:
        updated["label"] = _check_label(body, errors)
    if "options" in body:
        if definition["type"] != "select":
            errors.append(FieldError("options", "only a select property has options"))
        else:
            updated["options"] = _check_options(body["options"], errors)
    if "archived" in body:
        archived, error = _ARCHIVED(body["archived"])
        if error:
            errors.append(FieldError("archived", error))
        updated["archived"] = archived
    require_valid(errors)
    return updated


def check_value(definition: dict[str, Any], value: Any) -> tuple[Any, str | None]:
    """A property value checked against its type; None clears it."""
    if value is None:
        return None, None
    if definition["type"] == "select":
        if value not in (definition.get("options") or []):
            return None, f"must be one of: {', '.join(definition.get('options') or [])}"
        return value, None
    return _VALUE_CHECKS[definition["type"]](value)


def public_definition(definition: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": definition["key"],
        "label": definition["label"],
        "type": definition["type"],
        "options": definition.get("options"),
        "archived": bool(definition.get("archived")),
    }

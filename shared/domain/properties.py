"""Custom property definitions and the typed validation of their values."""

from __future__ import annotations

import re
from typing import Any

from shared.domain import validation
from shared.errors import FieldError, require_valid

TYPES = ("text", "email", "number", "boolean", "date", "select")
MAX_PROPERTIES = 500
MAX_OPTIONS = 200
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def is_key(key: Any) -> bool:
    """Whether `key` is a well-formed property key (lower_snake_case, at most 64 characters)."""
    return isinstance(key, str) and bool(_KEY.match(key))

_VALUE_CHECKS = {
    "text": lambda value: validation.text(value, max_length=10_000, multiline=True),
    "email": validation.email,
    "number": validation.number,
    "boolean": validation.boolean,
    "date": validation.iso_date,
}


def _check_label(body: dict[str, Any], errors: list[FieldError]) -> str | None:
    label: str | None
    label, error = validation.text(body.get("label"), max_length=100)
    if error or not label:
        errors.append(FieldError("label", error or "is required", "required" if not error else "invalid"))
    return label


def _check_options(options: Any, errors: list[FieldError]) -> list[str] | None:
    if not isinstance(options, list) or not options:
        errors.append(FieldError("options", "a select property needs a non-empty list of options", "required"))
        return None
    cleaned: list[str] = []
    for index, option in enumerate(options):
        value, error = validation.text(option, max_length=100)
        if error or not value:
            errors.append(FieldError(f"options[{index}]", error or "must not be empty"))
        elif value not in cleaned:
            cleaned.append(value)
    if len(cleaned) > MAX_OPTIONS:
        errors.append(FieldError("options", f"at most {MAX_OPTIONS} options"))
    return cleaned


def new_definition(body: Any, existing: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A definition from a POST /v1/properties body; raises ValidationFailed naming each field."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")])
    errors: list[FieldError] = []
    unknown = set(body) - {"key", "label", "type", "options"}
    errors += [FieldError(name, "is not a property field", "unknown_field") for name in sorted(unknown)]
    key = body.get("key")
    if not is_key(key):
        errors.append(FieldError("key", "must start with a-z and contain only a-z, 0-9 and _ (at most 64)"))
    label = _check_label(body, errors)
    kind = body.get("type")
    if kind not in TYPES:
        errors.append(FieldError("type", f"must be one of {', '.join(TYPES)}"))
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
    """The definition after a PATCH (label, options, archived)."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")])
    errors: list[FieldError] = []
    unknown = set(body) - {"label", "options", "archived"}
    errors += [FieldError(name, "cannot be changed (only label, options and archived)", "read_only")
               for name in sorted(unknown)]
    updated = dict(definition)
    if "label" in body:
        updated["label"] = _check_label(body, errors)
    if "options" in body:
        if definition["type"] != "select":
            errors.append(FieldError("options", "only a select property has options"))
        else:
            updated["options"] = _check_options(body["options"], errors)
    if "archived" in body:
        archived, error = validation.boolean(body["archived"])
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

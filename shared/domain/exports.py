"""Exports (POST /v1/exports): the request, who may ask and how often, and a contact as a row.
Pure.

A row holds the requested fields in their order: contact fields as the API answers them
(`display_name`, `score` and `engagement` computed as on a read), `properties.KEY` values, and
`tags` joined by ", " in one cell (the import splits them on commas again). The header row holds the
field names as requested (the contract's "header row of the field names", the very targets of an
import's mapping), or with `"headers": "labels"` the fields' labels in the requester's language;
the values are the same either way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from shared.domain import contacts as contact_rules
from shared.domain import field_labels, tabular
from shared.errors import FieldError, Forbidden, require_valid

FORMATS = ("csv", "xlsx")
HEADERS = ("keys", "labels")  # the header row: the field names (the default), or their labels
EXPORT_INTERVAL = timedelta(minutes=30)  # one export per user per 30 minutes
DOWNLOAD_WINDOW = timedelta(hours=24)  # the download link works this long after completion
PRESIGNED_SECONDS = 300  # each download gets a fresh S3 URL valid this long
MAX_FIELDS = 300
_BODY = {"format", "encoding", "fields", "selection", "password", "reason", "headers"}
_PROPERTY = "properties."


@dataclass(frozen=True)
class Request:
    format: str
    encoding: str
    fields: list[str]
    selection: dict[str, Any]  # {"all": true} | {"ids": [...]} | {"filter": {...}} | {"segment_id": "..."}
    password: str | None
    reason: str
    headers: str = "keys"

    @property
    def filename_extension(self) -> str:
        return "zip" if self.password else self.format


def exportable_fields(definitions: dict[str, dict[str, Any]]) -> list[str]:
    """Every field an export may name: the contact's public fields, then its live properties."""
    own = [name for name in contact_rules.PUBLIC_FIELDS if name != "properties"]
    return own + [f"{_PROPERTY}{key}" for key, definition in definitions.items() if not definition.get("archived")]


def require_role(role: str, settings: dict[str, Any]) -> None:
    if role not in settings["export_roles"]:
        raise Forbidden(f"Your role ({role}) may not export contacts; the tenant allows "
                        f"{', '.join(settings['export_roles'])}.")


def _selection(value: Any, errors: list[FieldError]) -> dict[str, Any]:
    if value is None:
        return {"all": True}
    kinds = ("all", "ids", "filter", "segment_id")
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in kinds:
        errors.append(FieldError("selection", 'must be one of {"all": true}, {"ids": [...]}, {"filter": {...}}, '
                                              '{"segment_id": "..."}'))
        return {}
    kind, target = next(iter(value.items()))
    if kind == "all" and target is not True:
        errors.append(FieldError("selection.all", "must be true"))
    elif kind == "ids" and (not isinstance(target, list) or not target or len(target) > 10_000
                            or not all(isinstance(item, str) and item for item in target)):
        errors.append(FieldError("selection.ids", "must list 1 to 10,000 contact ids"))
    elif kind == "segment_id" and (not isinstance(target, str) or not target):
        errors.append(FieldError("selection.segment_id", "must be a segment id"))
    return value


def parse(body: Any, definitions: dict[str, dict[str, Any]]) -> Request:
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")])
    errors = [FieldError(name, "is not an export field", "unknown_field") for name in body if name not in _BODY]
    export_format = body.get("format", "csv")
    if export_format not in FORMATS:
        errors.append(FieldError("format", "must be csv or xlsx"))
    encoding = body.get("encoding", "utf-8-bom")
    if encoding not in tabular.ENCODINGS:
        errors.append(FieldError("encoding", f"must be one of {', '.join(tabular.ENCODINGS)}"))
    allowed = exportable_fields(definitions)
    fields = body.get("fields", allowed)
    if not isinstance(fields, list) or not 1 <= len(fields) <= MAX_FIELDS:
        errors.append(FieldError("fields", f"must list 1 to {MAX_FIELDS} field names"))
        fields = []
    for index, name in enumerate(fields):
        if name not in allowed:
            errors.append(FieldError(f"fields[{index}]", f"{name!r} is not a contact field or a live property"))
    headers = body.get("headers", "keys")
    if headers not in HEADERS:
        errors.append(FieldError("headers", "must be keys or labels"))
    password = body.get("password")
    if password is not None:
        problem = tabular.check_password(password)
        if problem:
            errors.append(FieldError("password", problem))
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 1000:
        errors.append(FieldError("reason", "is required: why these contacts leave the CRM (kept in the audit log)",
                                 "required"))
    selection = _selection(body.get("selection"), errors)
    require_valid(errors)
    return Request(export_format, encoding, list(dict.fromkeys(fields)), selection, password, reason.strip(),
                   headers)


def header(fields: list[str], headers: str, language: str, definitions: dict[str, dict[str, Any]]) -> list[str]:
    """The header row: the field names themselves, or (`labels`) their labels in `language`."""
    if headers == "keys":
        return list(fields)
    return [field_labels.label(field, language, definitions) for field in fields]


def row(contact: dict[str, Any], fields: list[str], settings: dict[str, Any]) -> list[Any]:
    shaped = contact_rules.public(contact, settings, {})
    properties = contact.get("properties") or {}
    values = []
    for name in fields:
        if name.startswith(_PROPERTY):
            values.append(properties.get(name[len(_PROPERTY):]))
        elif name in ("tags", "groups"):  # groups: their ids
            values.append(", ".join(shaped[name]))
        else:
            values.append(shaped.get(name))
    return [_plain(value) for value in values]


def _plain(value: Any) -> Any:
    """DynamoDB's Decimals as the int or float a spreadsheet cell takes."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def filename(now: datetime, request: Request) -> str:
    return f"contacts-{now.strftime('%Y%m%d-%H%M%S')}.{request.filename_extension}"


def retry_after(last_started: datetime, now: datetime) -> int:
    """Whole seconds until the user may start the next export (0: now), never more than the interval."""
    remaining = (last_started + EXPORT_INTERVAL - now).total_seconds()
    return max(0, min(int(EXPORT_INTERVAL.total_seconds()), math.ceil(remaining)))


def wait_message(seconds: int) -> str:
    """The 429's words: the remaining time in minutes, rounded up (so never more than 30)."""
    minutes = max(1, math.ceil(seconds / 60))
    return (f"You started an export less than {int(EXPORT_INTERVAL.total_seconds()) // 60} minutes ago; try again in "
            f"{minutes} minute{'s' if minutes > 1 else ''}.")

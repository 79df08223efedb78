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
from shared.domain import field_labels, fields, tabular, validation
from shared.errors import FieldError, Forbidden, require_valid

FORMATS = ("csv", "xlsx")
HEADERS = ("keys", "labels")  # the header row: the field names (the default), or their labels
EXPORT_INTERVAL = timedelta(minutes=30)  # one export per user per 30 minutes
DOWNLOAD_WINDOW = timedelta(hours=24)  # the download link works this long after completion
PRESIGNED_SECONDS = 300  # each download gets a fresh S3 URL valid this long
MAX_FIELDS = 300
MAX_REASON_LENGTH = 1000
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


def _field_names(value: Any) -> validation.Result:
    """The list of `fields`; whether each is exportable is checked apart (it depends on the tenant's properties)."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_FIELDS:
        return None, f"must list 1 to {MAX_FIELDS} field names"
    return value, None


def _password(value: Any) -> validation.Result:
    problem = None if value is None else tabular.check_password(value)
    return (None, problem) if problem else (value, None)


_REASON_REQUIRED = "is required: why these contacts leave the CRM (kept in the audit log)"


def _reason(value: Any) -> validation.Result:
    """Not blank, and at most MAX_REASON_LENGTH characters as given (before it is trimmed)."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_REASON_LENGTH:
        return None, _REASON_REQUIRED
    return value.strip(), None


# The fields checked each alone, in the order their errors are listed (`selection` after them,
# checked apart by _selection: its errors name the part of it that is wrong).
_CHECKED: dict[str, fields.Field] = {
    "format": fields.choice(FORMATS, "csv", "The file's format.", refusal="must be csv or xlsx"),
    "encoding": fields.choice(tabular.ENCODINGS, "utf-8-bom", "CSV only. cp932 (Windows Shift_JIS): characters it "
                                                              "cannot hold become \"?\" and are counted in "
                                                              "`replaced_characters`."),
    "fields": fields.Field(_field_names, {"type": "array", "items": {"type": "string"}, "minItems": 1,
                                          "maxItems": MAX_FIELDS},
                           "Contact fields, `properties.KEY`, `tags` (joined by \", \"), in column order; default "
                           "every field and live property.", nullable=False),
    "headers": fields.choice(HEADERS, "keys",
                             "The header row: `keys`, the field names as in `fields` (the default, as the contract "
                             "says: the very targets of an import's mapping), or `labels`, the fields' labels as the "
                             "console shows them (`姓`, `メールアドレス`, a custom property's own label), in Japanese "
                             "unless the request's Accept-Language prefers English. The values are the same either way "
                             "(codes such as `won` stay codes).", refusal="must be keys or labels"),
    "password": fields.Field(_password, {"type": "string", "minLength": 6, "maxLength": 128},
                             "When given, the file is an AES-256 zip: 6+ printable ASCII characters with letters and "
                             "digits."),
    "reason": fields.Field(_reason, {"type": "string", "minLength": 1, "maxLength": MAX_REASON_LENGTH},
                           "Why these contacts leave the CRM (audit log). Trimmed; not blank.", nullable=False),
}
EXPORT_REQUEST = fields.Body("ExportRequest", "export", {**_CHECKED, "selection": {
    "type": "object", "nullable": True, "minProperties": 1, "maxProperties": 1,
    "description": 'One of `{"all": true}` (default, as is `null`), `{"ids": [...]}`, `{"filter": {...}}`, '
                   '`{"segment_id": "..."}`.'}}, required=("reason",),
    example={"format": "csv", "encoding": "cp932", "fields": ["family_name", "given_name", "email", "company", "tags"],
             "selection": {"all": True}, "password": None, "reason": "展示会フォローの架電リスト"})


def parse(body: Any, definitions: dict[str, dict[str, Any]]) -> Request:
    """POST /v1/exports (EXPORT_REQUEST): a field left out takes its default (`fields`: every
    exportable one); 422 naming each wrong field, each field name that cannot be exported too."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")])
    errors = EXPORT_REQUEST.unknown(body)
    allowed = exportable_fields(definitions)
    values: dict[str, Any] = {}
    for key in _CHECKED:
        default = allowed if key == "fields" else _CHECKED[key].schema.get("default")
        values[key], error = _CHECKED[key](body.get(key, default))
        if error:
            errors.append(FieldError(key, error, "required" if error == _REASON_REQUIRED else "invalid"))
        elif key == "fields":
            errors += [FieldError(f"fields[{index}]", f"{name!r} is not a contact field or a live property")
                       for index, name in enumerate(values[key]) if name not in allowed]
    selection = _selection(body.get("selection"), errors)
    require_valid(errors)
    return Request(values["format"], values["encoding"], list(dict.fromkeys(values["fields"])), selection,
                   values["password"], values["reason"], values["headers"])


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

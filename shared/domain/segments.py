"""Segments (saved filters): the fields of a segment's create or replace (PUT). Pure; the filter
is checked against the tenant's properties and segments by shared.services.segments."""

from __future__ import annotations

from typing import Any

from shared.domain import fields
from shared.errors import FieldError, require_valid

MAX_NAME_LENGTH = 100
_NAME = fields.name(MAX_NAME_LENGTH, "is required: 1 to 100 characters", "Name of the segment.")
SEGMENT_INPUT = fields.Body("SegmentInput", "segment",
                            {"name": _NAME, "filter": {"$ref": "#/components/schemas/Filter"}},
                            required=("name", "filter"),
                            example={"name": "展示会の見込み客", "filter": {"tags": {"include": ["展示会2026"]}}})


def parse(body: Any) -> dict[str, Any]:
    """`{"name", "filter"}`, both required: the name trimmed, the filter as it is given."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")])
    errors = SEGMENT_INPUT.unknown(body)
    name, error = _NAME(body.get("name"))
    if error:
        errors.append(FieldError("name", error))
    if body.get("filter") is None:
        errors.append(FieldError("filter",
                                 "is required: a condition, or {\"and\": [...]} / {\"or\": [...]}", "required"))
    require_valid(errors)
    return {"name": name, "filter": body["filter"]}

"""The contact's fields as people read them, in Japanese and English: an export's column headers
(POST /v1/exports with `"headers": "labels"`). Pure.

The words are in field_labels.json, the one table the console's screens
(console/src/lib/fields.ts) and the API's exports both read. A custom property is named by its
label, a field this table does not know by its key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_PROPERTY = "properties."

_LABELS: dict[str, dict[str, str]] = json.loads((Path(__file__).parent / "field_labels.json").read_text("utf-8"))
LANGUAGES = tuple(_LABELS)  # ("ja", "en")


def label(field: str, language: str, definitions: dict[str, dict[str, Any]]) -> str:
    """The words for `field` in `language` ("ja" or "en"): a contact field's label, a custom
    property's own label (`properties.KEY`; the tenant gives one label, in whatever language),
    else the field itself."""
    if field in _LABELS[language]:
        return _LABELS[language][field]
    if field.startswith(_PROPERTY):
        return (definitions.get(field[len(_PROPERTY):]) or {}).get("label") or field
    return field

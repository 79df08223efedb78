"""Email templates (seed 004: テンプレートとして保存): fields, validation, the public shape. Pure.
Merge fields are checked when the template is saved (unknown fields, undefined or archived
properties), and again when an email is made from it, against its contact (empty values)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.domain import mail, validation
from shared.errors import FieldError, require_valid

if TYPE_CHECKING:
    from shared.domain.entities import Email

FIELDS = ("name", "subject", "body_text", "body_html")
_LIMITS = {"name": 100, "subject": 998, "body_text": 200_000, "body_html": 200_000}  # 998: RFC 5322's line
STATS = ("sent", "opened", "clicked")


def parse(body: Any) -> dict[str, Any]:
    """`{"name", "subject", "body_text", "body_html"?}` of POST and PUT (a PUT replaces all four)."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")], "The request body must be a JSON object.")
    errors = [FieldError(name, "is not a template field", "unknown_field") for name in body if name not in FIELDS]
    values: dict[str, Any] = {}
    for name in FIELDS:
        value = body.get(name)
        if value is None:
            if name != "body_html":
                errors.append(FieldError(name, "is required", "required"))
            values[name] = None
            continue
        values[name], error = validation.text(value, max_length=_LIMITS[name], multiline=name.startswith("body"))
        if error:
            errors.append(FieldError(name, error))
        elif not values[name] and name != "body_html":
            errors.append(FieldError(name, "must not be empty", "required"))
    require_valid(errors)
    return values


def check_merge_fields(values: dict[str, Any], definitions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """`values` when each merge field of its subject and bodies is one an email could fill; else
    422 naming each, as POST /v1/emails would."""
    require_valid([problem for name in ("subject", "body_text", "body_html") if values.get(name)
                   for problem in mail.merge_field_problems(values[name], name, definitions)],
                  "Some merge fields are unknown; see details.")
    return values


def from_email(email: Email, name: Any) -> dict[str, Any]:
    """A template holding exactly a sent or received email's subject and bodies, named after its
    subject unless a name is given."""
    if name is not None:
        name = parse({"name": name, "subject": "-", "body_text": "-"})["name"]
    subject = email["subject"] or "(no subject)"
    return {"name": name or subject[:_LIMITS["name"]], "subject": subject, "body_text": email["body_text"] or "",
            "body_html": email.get("body_html")}


def public(template: dict[str, Any], stats: dict[str, int] | None) -> dict[str, Any]:
    return {"id": template["template_id"], **{name: template.get(name) for name in FIELDS},
            "created_by": template["created_by"], "created_at": template["created_at"],
            "updated_at": template["updated_at"], "stats": {name: int((stats or {}).get(name) or 0) for name in STATS}}

"""Email templates (seed 004: テンプレートとして保存): fields, validation, the public shape. Pure.
Merge fields are checked when the template is saved (unknown fields, undefined or archived
properties), and again when an email is made from it, against its contact (empty values)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.domain import fields, mail
from shared.errors import FieldError, require_valid

if TYPE_CHECKING:
    from shared.domain.entities import Email

MAX_NAME_LENGTH, MAX_SUBJECT_LENGTH, MAX_BODY_LENGTH = 100, 998, 200_000  # 998: RFC 5322's line
_FIELDS: dict[str, fields.Field] = {
    "name": fields.text(MAX_NAME_LENGTH, "Name of the template.", required=True),
    "subject": fields.text(MAX_SUBJECT_LENGTH, "Subject of the emails written from it.", required=True),
    "body_text": fields.text(MAX_BODY_LENGTH, "Plain-text body.", multiline=True, required=True),
    "body_html": fields.text(MAX_BODY_LENGTH, "HTML body.", multiline=True,
                             clears="Omitted, empty or `null`: none (a PUT removes the stored one)."),
}
FIELDS = tuple(_FIELDS)
TEMPLATE_INPUT = fields.Body(
    "EmailTemplateInput", "template", _FIELDS, required=("name", "subject", "body_text"),
    description="A template's fields (POST, and PUT, which replaces all four). Subject and bodies may hold the merge "
                "fields of POST /v1/emails; they are checked against the contact when an email is written from the "
                "template.",
    example={"name": "初回ご提案", "subject": "{{contact.family_name}}様 ご提案",
             "body_text": "{{contact.display_name}}様\n\nお世話になっております。{{sender.name}}です。"})
STATS = ("sent", "opened", "clicked")


def parse(body: Any) -> dict[str, Any]:
    """`{"name", "subject", "body_text", "body_html"?}` of POST and PUT (TEMPLATE_INPUT; a PUT replaces all four)."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")], "The request body must be a JSON object.")
    errors = TEMPLATE_INPUT.unknown(body)
    values: dict[str, Any] = {}
    for name in _FIELDS:
        value = body.get(name)
        if value is None:
            if name in TEMPLATE_INPUT.required:
                errors.append(FieldError(name, "is required", "required"))
            values[name] = None
            continue
        values[name], error = _FIELDS[name](value)
        if error:
            errors.append(FieldError(name, error))
        elif not values[name] and name in TEMPLATE_INPUT.required:
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
    return {"name": name or subject[:MAX_NAME_LENGTH], "subject": subject, "body_text": email["body_text"] or "",
            "body_html": email.get("body_html")}


def public(template: dict[str, Any], stats: dict[str, int] | None) -> dict[str, Any]:
    return {"id": template["template_id"], **{name: template.get(name) for name in FIELDS},
            "created_by": template["created_by"], "created_at": template["created_at"],
            "updated_at": template["updated_at"], "stats": {name: int((stats or {}).get(name) or 0) for name in STATS}}

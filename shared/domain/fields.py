"""Request bodies defined once: each field both checks a value and states its OpenAPI schema.

A Field is a validator (value → validation.Result, as the domain's checks are) that also knows
its schema, built from the same arguments: `text(100, ...)` checks at most 100 characters and
documents `maxLength: 100`, and the sentence on trimming and line breaks is written from the same
`multiline`. A Body is an object of fields. infra/openapi.py writes each Body's schema into
functions/contacts_api/openapi.json (`make openapi`), and `make lint` and tests/test_fields.py fail
when the file is not what the definitions make, so the document and the validation cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.domain import validation
from shared.errors import FieldError, require_valid

_ONE_LINE = "Trimmed; one line (no line breaks or control characters)."
_MULTILINE = "Trimmed; line breaks allowed, no other control characters."
_CLEARS = "An empty string or `null` clears the field."
# what a field no Body of this noun has is told (a table, so each message is whole for its translation)
_UNKNOWN_FIELD = {"contact": "is not a contact field", "tag": "is not a tag field",
                  "company": "is not a company field", "site key": "is not a site key field",
                  "API key": "is not an API key field", "member group": "is not a member group field",
                  "segment": "is not a segment field", "property": "is not a property field",
                  "setting": "is not a setting", "notification": "is not a notification field",
                  "invitation": "is not a field of an invitation",
                  "member change": "is not a field a member change takes",
                  "member group members": "is not a field of this request",
                  "member site": "is not a field of this request",
                  "mailbox": "is not a mailbox setting",
                  "call": "is not a call field", "activity": "is not an activity field",
                  "email": "is not an email field", "template": "is not a template field",
                  "export": "is not an export field", "import start": "is not a field of an import start",
                  "bulk": "is not a bulk field", "email to a selection": "is not a field of an email to a selection",
                  "search": "is not a search field"}


@dataclass(frozen=True)
class Field:
    """A request field: `check` cleans a value or says what is wrong with it; `schema` is its
    OpenAPI schema (without description); `nullable` fields accept null (the field is cleared)."""

    check: Callable[[Any], validation.Result]
    schema: Mapping[str, Any]
    description: str
    nullable: bool = True

    def __call__(self, value: Any) -> validation.Result:
        return self.check(value)

    def read(self, body: Mapping[str, Any], name: str, errors: list[FieldError], code: str = "invalid") -> Any:
        """`body`'s field `name` cleaned: left out, the schema's default; null on a nullable field,
        None unchecked (none given); a wrong value None, its error appended to `errors`."""
        value = body.get(name, self.schema.get("default"))
        if value is None and self.nullable:
            return None
        cleaned, error = self(value)
        if error:
            errors.append(FieldError(name, error, code))
        return cleaned

    def openapi(self) -> dict[str, Any]:
        kind, *rest = self.schema.items()
        nullable = {"nullable": True} if self.nullable else {}
        return {kind[0]: kind[1], **nullable, **dict(rest), "description": self.description}


def text(max_length: int, description: str, *, multiline: bool = False, clears: str = _CLEARS,
         required: bool = False) -> Field:
    """Trimmed text of at most `max_length` characters; an empty string or null clears it. A
    `required` text cannot be emptied (`minLength: 1`, not nullable): the body's parse refuses an
    empty one in words of its own."""
    return Field(lambda value: validation.text(value, max_length=max_length, multiline=multiline),
                 {"type": "string", **({"minLength": 1} if required else {}), "maxLength": max_length},
                 " ".join(part for part in (description, _MULTILINE if multiline else _ONE_LINE,
                                            "" if required else clears) if part),
                 nullable=not required)


def name(max_length: int, refusal: str, description: str, *, too_long_apart: bool = False) -> Field:
    """A required name: a string of 1 to `max_length` characters once trimmed (its characters are
    not checked further); anything else is refused in the words of `refusal`, a name that is only
    too long in those of validation.text when `too_long_apart`. Not nullable."""
    def check(value: Any) -> validation.Result:
        trimmed = value.strip() if isinstance(value, str) else ""
        if not trimmed:
            return None, refusal
        if len(trimmed) > max_length:
            return None, f"must be at most {max_length} characters" if too_long_apart else refusal
        return trimmed, None

    return Field(check, {"type": "string", "minLength": 1, "maxLength": max_length}, f"{description} Trimmed.",
                 nullable=False)


def email(description: str, *, required: bool = False, clears: str = _CLEARS) -> Field:
    """An email address (validation.email); an empty string or null clears it (`clears` says what
    they do otherwise). A `required` one cannot be emptied (`minLength: 1`, not nullable): the
    body's parse refuses an empty one."""
    return Field(validation.email, {"type": "string", **({"minLength": 1} if required else {}),
                                    "maxLength": validation.MAX_EMAIL_LENGTH, "format": "email"},
                 description if required else f"{description} {clears}", nullable=not required)


def phone(description: str) -> Field:
    return Field(validation.phone, {"type": "string", "maxLength": validation.MAX_PHONE_LENGTH},
                 f"{description} {_CLEARS}")


def url(description: str) -> Field:
    return Field(validation.url, {"type": "string", "maxLength": validation.MAX_URL_LENGTH},
                 f"{description} {_CLEARS}")


def timestamp(description: str, example: str, *, clears: str = "`null` clears the field.") -> Field:
    """An ISO 8601 date-time or a date alone (validation.timestamp): an empty string is no time, so
    only null clears it."""
    return Field(validation.timestamp, {"type": "string", "example": example}, f"{description} {clears}")


def _default(default: str | bool | None) -> dict[str, Any]:
    """The schema's `default`: none for a field that has none (a required one, or one a PATCH leaves as it is)."""
    return {} if default is None else {"default": default}


def choice(options: tuple[str, ...], default: str | None, description: str, *, refusal: str | None = None) -> Field:
    """One of `options`; not nullable. Anything else is refused in the words of `refusal` when given."""
    def check(value: Any) -> validation.Result:
        return (value, None) if value in options else (None, refusal or f"must be one of {', '.join(options)}")

    return Field(check, {"type": "string", "enum": list(options), **_default(default)}, description, nullable=False)


def boolean(default: bool | None, description: str) -> Field:
    """true or false; not nullable."""
    return Field(validation.boolean, {"type": "boolean", **_default(default)}, description, nullable=False)


@dataclass(frozen=True)
class Body:
    """A request body: a JSON object of `fields` and nothing else (`additionalProperties: false`).
    `component` is its schema's name under components/schemas; `noun` names it in the error of an
    unknown field ("is not a tag field", _UNKNOWN_FIELD). A body without a noun ignores the fields it
    has not (its schema leaves `additionalProperties` open)."""

    component: str
    noun: str | None
    fields: Mapping[str, Field | Mapping[str, Any]]  # a Mapping: a schema whose value the domain checks apart
    required: tuple[str, ...] = ()
    description: str | None = None
    example: Mapping[str, Any] | None = field(default=None)

    def openapi(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "object"}
        if self.description:
            schema["description"] = self.description
        if self.noun is not None:
            schema["additionalProperties"] = False
        if self.required:
            schema["required"] = list(self.required)
        schema["properties"] = {name: value.openapi() if isinstance(value, Field) else dict(value)
                                for name, value in self.fields.items()}
        if self.example is not None:
            schema["example"] = dict(self.example)
        return schema

    def parse(self, body: Any) -> dict[str, Any]:
        """The cleaned fields given (and the required ones); a 422 naming each field that is
        unknown, missing or wrong."""
        if not isinstance(body, dict):
            require_valid([FieldError("body", "must be a JSON object")], "The request body must be a JSON object.")
        errors = self.unknown(body)
        cleaned: dict[str, Any] = {}
        for name, rule in self.fields.items():
            if isinstance(rule, Field) and (name in body or name in self.required):
                cleaned[name], error = rule(body.get(name))
                if error:
                    errors.append(FieldError(name, error))
        require_valid(errors)
        return cleaned

    def unknown(self, body: dict[str, Any]) -> list[FieldError]:
        """An error naming each field of `body` this body has not (for a parse of its own too); none
        for a body without a noun."""
        if self.noun is None:
            return []
        return [FieldError(name, _UNKNOWN_FIELD[self.noun], "unknown_field")
                for name in body if name not in self.fields]

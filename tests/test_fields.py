"""shared.domain.fields: a body's OpenAPI schema and its validation come from one definition, so
what the schema allows the check accepts and what it forbids the check refuses."""

from __future__ import annotations

import pytest

from infra.openapi import BODIES, stale_schemas
from shared.domain import companies, exports, fields, mailbox, validation
from shared.errors import ValidationFailed

FIELDS = [(body.component, name, rule) for body in BODIES for name, rule in body.fields.items()
          if isinstance(rule, fields.Field)]


def test_the_served_document_holds_the_bodies_as_their_fields_make_them():
    assert stale_schemas() == []


LIMITED = [(component, name, rule) for component, name, rule in FIELDS if "maxLength" in rule.openapi()]
ENUMERATED = [(component, name, rule) for component, name, rule in FIELDS if "enum" in rule.openapi()]


def _longest_valid(rule: fields.Field, length: int) -> str:
    """A valid value of exactly `length` characters for the field's check."""
    if rule.check is validation.email:
        return "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * (length - 64 - 1 - 128 - 3) + ".jp"
    if rule.check is validation.phone:
        return "03" + " " * (length - 6) + "1234"
    if rule.check is validation.url:
        return "https://example.co.jp/" + "a" * (length - 22)
    if rule in (companies.COMPANY_INPUT.fields["domain"], mailbox.MAILBOX_INPUT.fields["host"],
                mailbox.MAILBOX_IMAP_INPUT.fields["host"]):
        return ("a" * 63 + ".") * 3 + "b" * (length - 3 * 64 - 3) + ".jp"  # labels of at most 63 characters
    if rule is exports.EXPORT_REQUEST.fields["password"]:
        return "a1" + "x" * (length - 2)  # letters and digits
    return "x" * length


@pytest.mark.parametrize(("component", "name", "rule"), LIMITED, ids=[f"{c}.{n}" for c, n, _ in LIMITED])
def test_a_string_field_takes_its_documented_longest_and_refuses_one_more(component, name, rule):
    longest = rule.openapi()["maxLength"]
    value = _longest_valid(rule, longest)
    assert len(value) == longest and rule(value) == (value, None)
    _, error = rule(value + "x")
    assert error, f"{component}.{name} took {longest + 1} characters though the schema says {longest}"


@pytest.mark.parametrize(("component", "name", "rule"), FIELDS, ids=[f"{c}.{n}" for c, n, _ in FIELDS])
def test_a_value_of_another_json_type_is_refused(component, name, rule):
    other = 12 if rule.openapi()["type"] not in ("number", "integer") else "12"
    _, error = rule(other)
    assert error, f"{component}.{name} took {other!r}"


@pytest.mark.parametrize(("component", "name", "rule"), ENUMERATED, ids=[f"{c}.{n}" for c, n, _ in ENUMERATED])
def test_an_enumerated_field_takes_exactly_its_documented_options(component, name, rule):
    options = rule.openapi()["enum"]
    assert all(rule(option) == (option, None) for option in options)
    assert rule(options[0].upper() + "x")[1]


def test_text_fields_document_their_own_rules():
    one_line, multiline = fields.text(10, "Name."), fields.text(10, "Notes.", multiline=True)
    assert one_line.openapi() == {"type": "string", "nullable": True, "maxLength": 10, "description":
                                  "Name. Trimmed; one line (no line breaks or control characters). "
                                  "An empty string or `null` clears the field."}
    assert one_line("a\nb")[1] and multiline("a\nb") == ("a\nb", None)
    assert "line breaks allowed" in multiline.openapi()["description"]


def test_a_body_names_each_unknown_missing_or_wrong_field():
    body = fields.Body("Thing", "tag", {"name": fields.text(5, "Name."), "kind": fields.choice(("a", "b"), "a", "")},
                       required=("name",))
    assert body.parse({"name": " abc ", "kind": "b"}) == {"name": "abc", "kind": "b"}
    with pytest.raises(ValidationFailed) as refused:
        body.parse({"kind": "c", "colour": "red"})
    assert sorted((d.field, d.code) for d in refused.value.details) == [
        ("colour", "unknown_field"), ("kind", "invalid"), ("name", "invalid")]
    with pytest.raises(ValidationFailed) as refused:
        body.parse(["name"])
    assert [d.field for d in refused.value.details] == ["body"]
    schema = body.openapi()
    assert schema["additionalProperties"] is False and schema["required"] == ["name"]
    assert set(schema["properties"]) == {"name", "kind"}

"""Companies (Digima's 会社 view): fields and their validation, the email domain that links new
contacts to a company, index keys and the public shape. Pure."""

from __future__ import annotations

import re
from typing import Any

from shared import indexes, keys
from shared.domain import fields, text, validation
from shared.errors import FieldError, require_valid

# Domains of personal mail services: a contact writing from one says nothing about its company.
FREE_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.jp", "ymail.ne.jp", "outlook.com", "outlook.jp",
    "hotmail.com", "hotmail.co.jp", "live.com", "live.jp", "msn.com", "icloud.com", "me.com", "mac.com",
    "aol.com", "proton.me", "protonmail.com", "gmx.com", "mail.com", "zoho.com", "yandex.com",
    "docomo.ne.jp", "ezweb.ne.jp", "au.com", "softbank.ne.jp", "i.softbank.jp", "ybb.ne.jp", "nifty.com",
    "biglobe.ne.jp", "ocn.ne.jp", "so-net.ne.jp", "excite.co.jp", "infoseek.jp", "livedoor.com",
})
MAX_DOMAIN_LENGTH = 253
_DOMAIN = re.compile(rf"^(?=.{{4,{MAX_DOMAIN_LENGTH}}}$)(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+[a-z]{{2,63}}$")
MAX_PROPERTY_KEY_LENGTH = 64
_PROPERTY_KEY = re.compile(rf"^[a-z][a-z0-9_]{{0,{MAX_PROPERTY_KEY_LENGTH - 1}}}$")
MAX_PROPERTIES = 50
MAX_PROPERTY_TEXT = 1_000
MAX_NAME_LENGTH = 200
FIELDS = ("name", "domain", "phone", "address", "website", "industry", "properties")  # as a company is answered


def _domain(value: Any) -> validation.Result:
    if value is None or value == "":
        return None, None
    if not isinstance(value, str):
        return None, "must be a domain name such as example.co.jp"
    domain = value.strip().lower().rstrip(".")
    if "://" in domain or "/" in domain or "@" in domain or domain.startswith("www."):
        return None, "must be the bare domain such as example.co.jp (no scheme, www., path or @)"
    if not _DOMAIN.match(domain):
        return None, "must be a domain name such as example.co.jp"
    if domain in FREE_MAIL_DOMAINS:
        return None, "is a free-mail domain; it cannot identify a company"
    return domain, None


# The fields of a create or an update but `properties` (checked apart, by _properties), in the
# order their errors are listed.
_WRITABLE: dict[str, fields.Field] = {
    "name": fields.text(MAX_NAME_LENGTH, "Company name.", required=True),
    "phone": fields.text(50, "Phone number."),
    "address": fields.text(500, "Postal address.", multiline=True),
    "industry": fields.text(100, "Industry."),
    "domain": fields.Field(_domain, {"type": "string", "maxLength": MAX_DOMAIN_LENGTH},
                           "The company's email domain, a bare host name such as `example.co.jp` (stored lower-case); "
                           "unique per tenant (409). A scheme, `www.`, a path or an `@`, or a free-mail domain "
                           "(gmail.com, yahoo.co.jp, outlook.com, icloud.com, docomo.ne.jp, …), is a 422. An empty "
                           "string or `null` clears the field."),
    "website": fields.url("An http or https URL; a bare host such as `example.co.jp` is stored as "
                          "`https://example.co.jp`."),
}
_BODY_FIELDS: dict[str, fields.Field | dict[str, Any]] = {**_WRITABLE, "properties": {
    "type": "object", "maxProperties": MAX_PROPERTIES,
    "description": "Free properties of the company: keys of lower-case letters, digits and `_` starting with a letter "
                   f"(at most {MAX_PROPERTY_KEY_LENGTH} characters), at most {MAX_PROPERTIES} keys. Only the keys "
                   "given change; `null` removes a key.",
    "additionalProperties": {
        "description": f"Text (at most {MAX_PROPERTY_TEXT:,} characters; line breaks allowed), a number or a boolean; "
                       "`null` removes the value.",
        "oneOf": [{"type": "string", "nullable": True, "maxLength": MAX_PROPERTY_TEXT}, {"type": "number"},
                  {"type": "boolean"}]}}}
COMPANY_INPUT = fields.Body("CompanyInput", "company", _BODY_FIELDS, required=("name",),
                            description="A new company: `name` is required, the other fields are optional. An "
                                        "unknown or mistyped field is a 422 whose `details` name each field.",
                            example={"name": "山田商事株式会社", "domain": "example.co.jp", "website": "example.co.jp",
                                     "industry": "製造", "properties": {"employees": 120}})
COMPANY_UPDATE = fields.Body("CompanyUpdate", "company", _BODY_FIELDS,
                             description="A partial update: only the fields given change; `name` cannot be emptied "
                                         "and `properties` merges with the stored ones.",
                             example={"phone": "03-9876-5432", "properties": {"listed": True}})


def _properties(value: Any, errors: list[FieldError]) -> dict[str, Any]:
    if not isinstance(value, dict):
        errors.append(FieldError("properties", "must be an object of key → text, number, true/false or null"))
        return {}
    if len(value) > MAX_PROPERTIES:
        errors.append(FieldError("properties", f"a company can have at most {MAX_PROPERTIES} properties", "limit"))
    cleaned: dict[str, Any] = {}
    for key, item in value.items():
        if not _PROPERTY_KEY.match(key):
            errors.append(FieldError(f"properties.{key}",
                                     "keys are lower-case letters, digits and _, starting with a letter"))
        elif isinstance(item, str):
            checked, error = validation.text(item, max_length=MAX_PROPERTY_TEXT, multiline=True)
            if error:
                errors.append(FieldError(f"properties.{key}", error))
            cleaned[key] = checked
        elif item is None or isinstance(item, (bool, int, float)):
            cleaned[key] = item
        else:
            errors.append(FieldError(f"properties.{key}", "must be text, a number, true/false or null"))
    return cleaned


def parse(body: Any, existing: dict[str, Any] | None = None) -> dict[str, Any]:
    """The company's fields from POST (all) or PATCH (`existing` given: only those sent change;
    `properties` merges, a null value removing a key); 422 naming every wrong field."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")], "The request body must be a JSON object.")
    errors = COMPANY_INPUT.unknown(body)
    values: dict[str, Any] = {name: (existing or {}).get(name) for name in FIELDS}
    values["properties"] = dict((existing or {}).get("properties") or {})
    for name in _WRITABLE:
        if name in body:
            values[name], error = _WRITABLE[name](body[name]) if body[name] is not None else (None, None)
            if error:
                errors.append(FieldError(name, error))
    if "properties" in body:
        changes = _properties(body["properties"], errors)
        values["properties"] = {key: item for key, item in {**values["properties"], **changes}.items()
                                if item is not None}
    if not values.get("name"):
        errors.append(FieldError("name", f"is required: 1 to {MAX_NAME_LENGTH} characters", "required"))
    require_valid(errors)
    return values


def email_domain(email: str | None) -> str | None:
    """The domain that links a contact with this email to a company: None for free mail."""
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].strip().lower()
    return None if domain in FREE_MAIL_DOMAINS else domain


def name_key(name: str) -> str:
    """What companies sort and are found by: the folded name without its legal form
    (株式会社サンプル sorts under サンプル), then the whole folded name."""
    return f"{text.company_core(name) or text.fold(name)}#{text.fold(name)}"


def index_keys(tenant: str, company: dict[str, Any]) -> dict[str, str | None]:
    partition = keys.companies_index_pk(tenant)
    return {**keys.index_entry(indexes.COMPANIES_BY_CREATION, partition, f"{company['created_at']}#{company['id']}"),
            **keys.index_entry(indexes.COMPANIES_BY_NAME, partition,
                               f"{keys.sort_head(name_key(company['name']))}#{company['id']}")}


def public(company: dict[str, Any], *, counted: bool = True) -> dict[str, Any]:
    """The company as the API answers it; `contact_count` is null for a reader who does not see
    every contact (owner visibility): the counter is tenant-wide."""
    return {"id": company["id"], **{name: company.get(name) for name in FIELDS},
            "properties": company.get("properties") or {},
            "contact_count": company.get("contact_count", 0) if counted else None,
            "created_at": company["created_at"], "updated_at": company["updated_at"]}

"""Contacts: fields and their validation, derived values, index keys and the public shape."""

from __future__ import annotations

import unicodedata
from typing import Any, cast

from shared import indexes, keys
from shared.domain import fields, score, text, validation
from shared.domain import properties as property_rules
from shared.errors import FieldError, require_valid

STATUSES = ("new", "replied", "called", "visited", "won", "lost")
DELIVERY_STATUSES = ("unconfirmed", "normal", "invalid_address", "error", "temporary_error", "spam")
ENGAGEMENTS = ("hot", "active", "inactive")
SORT_FIELDS = ("name", "email", "created_at", "last_contacted_at", "last_customer_action_at")
MAX_TAGS = 40
MAX_TAG_LENGTH = 50


def _company_id(value: Any) -> validation.Result:
    if not isinstance(value, str) or not keys.is_plain_id(value):
        return None, "must be the id of one of your companies, or null"
    return value, None


def tag_name(value: Any) -> validation.Result:
    """A tag name: trimmed, NFKC-normalised text of 1 to 50 characters on one line, without
    "/" (API Gateway decodes %2F in a path, so DELETE /v1/tags/{name} could never name it)."""
    if isinstance(value, str):
        value = unicodedata.normalize("NFKC", value)
    cleaned, error = validation.text(value, max_length=MAX_TAG_LENGTH)
    if not error and not cleaned:
        error = "must not be empty"
    if not error and "/" in cleaned:
        error = 'must not contain "/"; use another separator such as "・" or "-"'
    return cleaned, error


TAG_NAME_SCHEMA = {"type": "string", "minLength": 1, "maxLength": MAX_TAG_LENGTH, "pattern": "^[^/]*$"}
TAG_INPUT = fields.Body("TagInput", "tag", {
    "name": fields.Field(tag_name, TAG_NAME_SCHEMA,
                         'One line, without "/"; NFKC-normalised and trimmed. An existing name is a 409.',
                         nullable=False),
}, required=("name",), example={"name": "展示会2026"})

# Writable fields and the check each value must pass (`tags` and `properties` are handled apart).
WRITABLE: dict[str, fields.Field] = {
    "family_name": fields.text(100, "Family name (姓)."),
    "given_name": fields.text(100, "Given name (名)."),
    "family_name_kana": fields.text(100, "Reading of the family name (セイ), kana."),
    "given_name_kana": fields.text(100, "Reading of the given name (メイ), kana."),
    "email": fields.email("Email address, unique per tenant (compared case-insensitively); full-width input is "
                          "normalised (NFKC). The local part is at most 64 characters. An invalid address is a 422, "
                          "a duplicate a 409."),
    "phone": fields.phone("Phone number of 5 to 20 digits; digits, spaces, `+ ( ) - .` and an extension (`ext. 12`, "
                          "`x12`, `内線12`) are allowed; full-width input is normalised (NFKC)."),
    "company": fields.text(200, "Company name."),
    "department": fields.text(200, "Department."),
    "title": fields.text(200, "Job title."),
    "address": fields.text(500, "Postal address.", multiline=True),
    "website": fields.url("An http or https URL; a bare host such as `example.co.jp` is stored as "
                          "`https://example.co.jp`."),
    "owner_id": fields.text(keys.MAX_ID_LENGTH,
                            "User id (`sub`) of the owner. Defaults to the creating user on create.",
                            clears="An empty string or `null` makes the contact ownerless."),
    "company_id": fields.Field(_company_id, {"type": "string", "maxLength": keys.MAX_ID_LENGTH},
                               "Id of one of the tenant's companies; another id is a 422 naming `company_id`. `null` "
                               "unlinks the contact (its `company` text stays). On create without it, a contact whose "
                               "email domain is a company's `domain` is linked to that company (free-mail domains "
                               "never are); changing the email later does not re-link."),
    "status": fields.choice(STATUSES, "new", "Sales status; not nullable."),
    "starred": fields.boolean(False, "Not nullable."),
    "marketing_opt_out": fields.boolean(False, "Not nullable."),
    "acquired_at": fields.timestamp("When the contact was acquired: an ISO 8601 date-time (`format: date-time`; a time "
                                    "without offset is UTC) or a date alone (`2026-04-01`, midnight UTC), years "
                                    "1900..2999; answered in UTC.", example="2026-04-01T09:00:00+09:00"),
    "acquisition_channel": fields.text(200, "Where the contact came from."),
    "memo": fields.text(10_000, "Free-form notes.", multiline=True),
}
CONTACT_INPUT = fields.Body("ContactInput", "contact", {
    **WRITABLE,
    "tags": {"type": "array", "maxItems": MAX_TAGS,
             "description": "Tag names; replaces the contact's list. Names are NFKC-normalised and trimmed, "
                            "duplicates dropped; names not seen before are created.",
             "items": TAG_NAME_SCHEMA},
    "properties": {"type": "object", "description": "Custom property values by key; only the keys given change.",
                   "additionalProperties": {
                       "description": "A value of the property's type (`text` at most 10,000 characters, `email` an "
                                      "address, `number` a finite number, `boolean`, `date` as `YYYY-MM-DD`, "
                                      "`select` one of its options); `null` removes the value.",
                       "oneOf": [{"type": "string", "nullable": True}, {"type": "number"}, {"type": "boolean"}]}},
}, description="Writable contact fields. Every field is optional: on create the omitted ones take their defaults, on "
               "update (PATCH) only the fields given change. A read-only, unknown or mistyped field, an unknown "
               "status, or an unknown or archived property is a 422 whose `details` name each field.",
    example={"family_name": "山田", "given_name": "太郎", "family_name_kana": "ヤマダ", "given_name_kana": "タロウ",
             "email": "taro@example.co.jp", "phone": "03-1234-5678", "company": "山田商事株式会社", "status": "new",
             "tags": ["展示会2026"], "properties": {"industry": "製造"}})
READ_ONLY = (
    "id", "display_name", "created_at", "updated_at", "first_contacted_at", "last_contacted_at",
    "last_customer_action_at", "last_customer_action_type", "last_seen_at", "session_count",
    "score", "engagement", "delivery_status", "emails_sent_count", "last_purchase_at", "purchase_count",
    "groups", "member_login_status",
)
COUNTS = ("session_count", "emails_sent_count", "purchase_count")  # read-only counters: 0 until counted
NOT_NULLABLE = {name for name, rule in WRITABLE.items() if not rule.nullable}
PUBLIC_FIELDS = ("id", "display_name", *WRITABLE, "tags", "properties", *READ_ONLY[2:])


def _tags(value: Any, errors: list[FieldError]) -> list[str]:
    if not isinstance(value, list):
        errors.append(FieldError("tags", "must be a list of tag names"))
        return []
    cleaned: list[str] = []
    for index, item in enumerate(value):
        name, error = tag_name(item)
        if error:
            errors.append(FieldError(f"tags[{index}]", error))
        elif name not in cleaned:
            cleaned.append(name)
    if len(cleaned) > MAX_TAGS:
        errors.append(FieldError("tags", f"a contact can have at most {MAX_TAGS} tags", "limit"))
    return cleaned


def _properties(value: Any, definitions: dict[str, dict[str, Any]], errors: list[FieldError]) -> dict[str, Any]:
    if not isinstance(value, dict):
        errors.append(FieldError("properties", "must be an object of property key → value"))
        return {}
    cleaned: dict[str, Any] = {}
    for key, raw in value.items():
        definition = definitions.get(key)
        if definition is None:
            errors.append(FieldError(f"properties.{key}", "is not a defined property", "unknown_property"))
        elif definition.get("archived"):
            errors.append(FieldError(f"properties.{key}", "is archived; restore it before writing",
                                     "archived_property"))
        else:
            checked, error = property_rules.check_value(definition, raw)
            if error:
                errors.append(FieldError(f"properties.{key}", error))
            cleaned[key] = checked
    return cleaned


def parse_changes(body: Any, definitions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Validated changes from a create or PATCH body; raises ValidationFailed naming every field.

    Strings are trimmed, an empty string or null clears a field, `properties` holds only the
    keys given (null removes one), `tags` replaces the list.
    """
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")], "The request body must be a JSON object.")
    errors: list[FieldError] = []
    changes: dict[str, Any] = {}
    for name, value in body.items():
        if name in WRITABLE:
            if value is None:
                if name in NOT_NULLABLE:
                    errors.append(FieldError(name, "must not be null"))
                changes[name] = None
                continue
            cleaned, error = WRITABLE[name](value)
            if error:
                errors.append(FieldError(name, error))
            changes[name] = cleaned
        elif name == "tags":
            changes["tags"] = _tags(value, errors)
        elif name == "properties":
            changes["properties"] = _properties(value, definitions, errors)
        elif name in READ_ONLY:
            errors.append(FieldError(name, "is read-only", "read_only"))
        else:
            errors.append(FieldError(name, "is not a contact field", "unknown_field"))
    require_valid(errors)
    return changes


def new_contact(contact_id: str, changes: dict[str, Any], creator_id: str | None, now: str) -> dict[str, Any]:
    """A contact with system defaults; `owner_id` defaults to the creator unless given (null = none;
    a contact created by no user, as by an import or a web form, has none by default)."""
    contact: dict[str, Any] = {
        "id": contact_id,
        "owner_id": creator_id,
        "status": "new",
        "starred": False,
        "marketing_opt_out": False,
        "tags": [],
        "properties": {},
        "created_at": now,
        "updated_at": now,
        "session_count": 0,
        "score_counts": {},
        "score": 0,
        "engagement": "inactive",
        "delivery_status": "unconfirmed",
    }
    return apply_changes(contact, changes, now)


def linked_to_company(contact: dict[str, Any], company_id: str, company_name: str) -> dict[str, Any]:
    """A new contact linked to the company its email domain names; it keeps its own company
    text, and takes the company's name when it has none."""
    return {**contact, "company_id": company_id, "company": contact.get("company") or company_name}


def apply_changes(contact: dict[str, Any], changes: dict[str, Any], now: str) -> dict[str, Any]:
    """The contact with `changes` applied. A new address (not merely re-cased) starts again
    `unconfirmed`: the delivery status is evidence about the old address, which stays on the
    timeline."""
    updated = dict(contact)
    if "email" in changes and email_key(changes) != email_key(contact):
        updated["delivery_status"], updated["delivery_status_at"] = "unconfirmed", None
    for name, value in changes.items():
        if name == "properties":
            merged = {**contact.get("properties", {}), **value}
            updated["properties"] = {key: item for key, item in merged.items() if item is not None}
        else:
            updated[name] = value
    updated = {name: value for name, value in updated.items() if value is not None or name == "owner_id"}
    updated["updated_at"] = now
    return updated


def differs(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether an update changed anything besides `updated_at`."""
    return {k: v for k, v in before.items() if k != "updated_at"} != {k: v for k, v in after.items()
                                                                      if k != "updated_at"}


def email_key(contact: dict[str, Any]) -> str | None:
    """The case-insensitive form in which an email is unique per tenant."""
    email = contact.get("email")
    return email.lower() if email else None


def display_name(contact: dict[str, Any], name_order: str) -> str | None:
    family, given = contact.get("family_name"), contact.get("given_name")
    parts = [given, family] if name_order == "given_family" else [family, given]
    name = " ".join(part for part in parts if part)
    return name or None


def public(contact: dict[str, Any], settings: dict[str, Any], definitions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The contact as the API answers it: every field, archived properties hidden."""
    shaped: dict[str, Any] = {name: contact.get(name) for name in PUBLIC_FIELDS}
    shaped.update({name: contact.get(name) or 0 for name in COUNTS})
    shaped["display_name"] = display_name(contact, settings["name_order"])
    shaped["tags"] = list(contact.get("tags", []))
    shaped["groups"] = list(contact.get("groups", []))
    shaped["properties"] = {
        key: value
        for key, value in contact.get("properties", {}).items()
        if key in definitions and not definitions[key].get("archived")
    }
    shaped["score"] = score.score(contact, settings["score_weights"])
    shaped["engagement"] = score.engagement(shaped["score"], settings["engagement_thresholds"])
    return shaped


# --- sorting and search -------------------------------------------------------------------

def _reading(contact: dict[str, Any], first: str, second: str) -> str:
    return text.fold(contact.get(first)) + text.fold(contact.get(second))


def phone_digits(phone: str | None) -> str:
    """Phone digits in domestic form, so +81 3-1234-5678 and 03-1234-5678 meet."""
    digits = text.digits(phone)
    if phone and phone.strip().startswith("+81") and digits.startswith("81"):
        return "0" + digits[2:]
    return digits


# Bulk lookup by phone: there is no key item per number (a number is not unique, so it could only
# hold a growing list of contacts, rewritten by every contact write), so each number is a Query of
# the phone index (GSI9), or the whole index is read once. Either way a request reads at most
# MAX_PHONE_QUERIES Queries, which fit API Gateway's 30 s integration timeout with room to spare
# (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).
MAX_PHONE_QUERIES = 1_000
PHONE_RANGES = 10  # the whole index is read as one range per first digit, in parallel
PHONE_KEYS_PER_PAGE = 4_000  # a KEYS_ONLY phone index entry is < 250 bytes: a 1 MB Query page holds this many


def phone_lookup_reads(numbers: int, contacts: int) -> tuple[bool, int]:
    """(read the whole phone index?, Queries) to look up `numbers` distinct numbers among a
    tenant's `contacts`: one Query per number, or every range of the index, whichever is fewer."""
    whole = PHONE_RANGES + contacts // PHONE_KEYS_PER_PAGE
    return whole < numbers, min(whole, numbers)


# --- bulk lookup (POST /v1/contacts/lookup) ------------------------------------------------------

LOOKUP_FIELDS = ("email", "phone", "id")
MAX_LOOKUP_VALUES = 10_000  # more is a 413 (shared.services.contacts.lookup), not a malformed request


def _lookup_field(value: Any) -> validation.Result:
    """One of LOOKUP_FIELDS, refused in words of its own (translated with the Japanese comma)."""
    return (value, None) if value in LOOKUP_FIELDS else (None, "must be one of email, phone, id")


def _strings(value: Any) -> validation.Result:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None, "must be a list of strings"
    return value, None


def _cursor(value: Any) -> validation.Result:
    if value is not None and not isinstance(value, str):
        return None, "must be the next_cursor of the previous answer, or null"
    return value, None


# No noun: fields it has not are ignored, as they always were.
_LOOKUP: dict[str, fields.Field] = {
    "field": fields.Field(_lookup_field, {"type": "string", "enum": list(LOOKUP_FIELDS)},
                          "`email` compares case-insensitively; `phone` compares digits (+81 and domestic forms meet).",
                          nullable=False),
    "values": fields.Field(_strings, {"type": "array", "items": {"type": "string"}},
                           f"Up to {MAX_LOOKUP_VALUES:,} values; more is a 413 (not a schema bound: a longer list is "
                           "well-formed, only too large).", nullable=False),
    "cursor": fields.Field(_cursor, {"type": "string"},
                           "The `next_cursor` of the previous answer to the same `field` and `values`: continues the "
                           "lookup after the values that answer covered. A cursor from other values is a 400."),
}
LOOKUP_REQUEST = fields.Body("LookupRequest", None, _LOOKUP, required=("field", "values"),
                             example={"field": "email", "values": ["taro@example.co.jp", "nobody@example.com"]})


def parse_lookup(body: Any) -> tuple[str, list[str], str | None]:
    """`field`, `values` and `cursor` of POST /v1/contacts/lookup (LOOKUP_REQUEST)."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")])
    errors = LOOKUP_REQUEST.unknown(body)  # none: its fields are looked at, the others ignored
    cleaned: dict[str, Any] = {}
    for name in _LOOKUP:
        cleaned[name], error = _LOOKUP[name](body.get(name))
        if error:
            errors.append(FieldError(name, error))
    require_valid(errors)
    return cleaned["field"], cleaned["values"], cleaned["cursor"]


def dial_uri(phone: str | None) -> str | None:
    """The `tel:` URI that dials a contact's phone: E.164 (a domestic Japanese number such as
    03-1234-5678 becomes tel:+81312345678), or None when the phone holds no digits."""
    digits = text.digits(phone)
    if not digits:
        return None
    if cast(str, phone).strip().startswith(("+", "＋")):  # not None: it has digits
        return f"tel:+{digits}"
    if digits.startswith("0") and not digits.startswith("00"):
        return f"tel:+81{digits[1:]}"
    return f"tel:{digits}"


def sort_value(contact: dict[str, Any], field: str) -> str | None:
    """The value a contact sorts by; `name` is the kana reading, then the name itself."""
    if field == "name":
        name = _reading(contact, "family_name", "given_name")
        reading = _reading(contact, "family_name_kana", "given_name_kana") or name
        return f"{reading}#{name}" if reading else None
    if field == "email":
        return email_key(contact)
    return contact.get(field)




def _search_terms(contact: dict[str, Any]) -> dict[str, str]:
    """Index → folded term for the search indexes that only serve quick search."""
    return {
        indexes.CONTACTS_BY_GIVEN_FIRST_READING: _reading(contact, "given_name_kana", "family_name_kana"),
        indexes.CONTACTS_BY_NAME_OR_TERM: _reading(contact, "family_name", "given_name"),
        indexes.CONTACTS_BY_GIVEN_NAME: _reading(contact, "given_name", "family_name"),
        indexes.CONTACTS_BY_PHONE: phone_digits(contact.get("phone")),
        indexes.CONTACTS_BY_COMPANY: text.company_core(contact.get("company")),
    }


NAME_FIELDS = ("family_name", "given_name", "family_name_kana", "given_name_kana")


def extra_search_terms(contact: dict[str, Any]) -> set[str]:
    """Terms the contact's own index keys cannot hold, each stored as a term item in GSI7:
    every word of a multi-word name field ("Mary Ann" → "ann") and the whole company name
    when it carries a legal form ("株式会社サンプル" is indexed as "サンプル" already)."""
    covered = {keys.sort_head(term) for term in _search_terms(contact).values()}
    terms: set[str] = set()
    for field in NAME_FIELDS:
        field_words = text.words(contact.get(field))
        if len(field_words) > 1:
            terms.update(field_words)
    company = text.fold(contact.get("company"))
    if company:
        terms.add(company)
    return {keys.sort_head(term) for term in terms} - covered


def index_keys(tenant: str, contact: dict[str, Any]) -> dict[str, str | None]:
    """Every GSI key attribute of a contact item; None means the item is not in that index."""
    contact_id = contact["id"]
    attributes: dict[str, str | None] = _sort_keys(contact, keys.contacts_index_pk(tenant), keys.CONTACT_SORT_INDEX)
    all_contacts = keys.contacts_index_pk(tenant)
    for index, term in _search_terms(contact).items():
        pk, sk = keys.index_key_names(index)
        attributes[pk] = all_contacts if term else None
        attributes[sk] = keys.term_sk(term, contact_id) if term else None
    pk, sk = keys.index_key_names(indexes.CONTACTS_BY_DELIVERY_STATUS)
    attributes[pk] = keys.delivery_status_pk(tenant, contact.get("delivery_status", "unconfirmed"))
    attributes[sk] = f"{contact['created_at']}#{contact_id}"
    pk, sk = keys.index_key_names(indexes.CONTACT_SHARDS)
    attributes[pk] = keys.shard_pk(tenant, keys.shard_of(contact_id))
    attributes[sk] = contact_id
    return attributes


def _sort_keys(contact: dict[str, Any], partition: str, sorts: dict[str, str]) -> dict[str, str | None]:
    """The sorted indexes' key attributes of `contact` under `partition`, for these sorts."""
    attributes: dict[str, str | None] = {}
    for field, index in sorts.items():
        pk_name, sk_name = keys.index_key_names(index)
        attributes[pk_name] = partition
        attributes[sk_name] = keys.sorted_sk(sort_value(contact, field), contact["id"])
    return attributes


# A view entry lists its contact under a view partition (an owner, a status, a tag...) in the
# sorted indexes; an owner's view carries every sort (a rep's own list sorts by anything), the
# others creation and name, which change only with a save of the contact (the last-action
# sorts move on every tracking hit, which writes without reading: it knows no tags).
VIEW_SORTS = ("created_at", "name")
OWNER_VIEW_SORTS = tuple(keys.CONTACT_SORT_INDEX)
_VIEW_SORT_INDEXES = {field: keys.CONTACT_SORT_INDEX[field] for field in VIEW_SORTS}


def view_entries(tenant: str, contact: dict[str, Any]) -> dict[str, dict[str, str | None]]:
    """Sort key of each view entry of the contact → its index key attributes (pure: what a save
    writes and a delete removes). Tag entries are the tag memberships (`TAG#{name}`)."""
    partitions = {keys.STATUS_VIEW_SK: keys.status_pk(tenant, contact["status"])}
    if contact.get("starred"):
        partitions[keys.STARRED_VIEW_SK] = keys.starred_pk(tenant)
    if contact.get("company"):
        partitions[keys.COMPANY_VIEW_SK] = keys.company_name_pk(tenant, contact["company"])
    for tag in contact.get("tags", []):
        partitions[keys.tag_sk(tag)] = keys.tag_members_pk(tenant, tag)
    entries = {sk: _sort_keys(contact, partition, _VIEW_SORT_INDEXES) for sk, partition in partitions.items()}
    if contact.get("owner_id"):
        entries[keys.OWNER_VIEW_SK] = _sort_keys(contact, keys.owner_pk(tenant, contact["owner_id"]),
                                                 keys.CONTACT_SORT_INDEX)
    return entries


def search_prefixes(q: str) -> dict[str, str]:
    """Index → key prefix to look up for a quick search `q` (indexes that cannot match are left out)."""
    folded = text.fold(q)
    if not folded:
        return {}
    prefixes = {  # the name and email sort keys are read in their KEYS_ONLY twins: keys, not contacts
        keys.KEYS_TWIN[keys.CONTACT_SORT_INDEX["name"]]: f"{keys.PRESENT}#{folded}",
        keys.KEYS_TWIN[keys.CONTACT_SORT_INDEX["email"]]: f"{keys.PRESENT}#{folded}",
        indexes.CONTACTS_BY_GIVEN_FIRST_READING: folded,
        indexes.CONTACTS_BY_NAME_OR_TERM: folded,
        indexes.CONTACTS_BY_GIVEN_NAME: folded,
    }
    normalised = unicodedata.normalize("NFKC", q).strip()
    phone_like = all(ch.isdigit() or ch in "+-() ." for ch in normalised)
    digits = phone_digits(normalised)
    if phone_like and len(digits) >= 2:
        prefixes[indexes.CONTACTS_BY_PHONE] = digits
    company = text.company_core(q)
    if company:
        prefixes[indexes.CONTACTS_BY_COMPANY] = company
    return {index: keys.sort_head(prefix) for index, prefix in prefixes.items()}  # cut as the keys are


def found_by_quick_search(tenant: str, contact: dict[str, Any], prefixes: dict[str, str]) -> bool:
    """Whether the quick-search indexes find the contact for these `search_prefixes`: their
    begins_with on the contact's own index keys and on its extra search terms (GSI7), in memory."""
    attributes = index_keys(tenant, contact)
    for index, prefix in prefixes.items():
        key = attributes.get(keys.index_key_names(index)[1])
        if key is not None and key.startswith(prefix):
            return True
    term = prefixes.get(indexes.CONTACTS_BY_NAME_OR_TERM)
    return term is not None and any(extra.startswith(term) for extra in extra_search_terms(contact))


def with_contacted_times(contact: dict[str, Any], first: str | None, last: str | None) -> dict[str, Any]:
    """The contact with its contacted times recomputed (after an entry was edited or deleted);
    None removes a time."""
    updated = {name: value for name, value in contact.items()
               if name not in ("first_contacted_at", "last_contacted_at")}
    updated |= {name: value for name, value in (("first_contacted_at", first), ("last_contacted_at", last)) if value}
    return updated


def record_contacted(contact: dict[str, Any], user_id: str, at: str, now: str) -> tuple[dict[str, Any], bool]:
    """The contact after a user reached out at `at` (an email sent, a call logged, perhaps
    back-dated): `first_contacted_at` the earliest such time, `last_contacted_at` the latest,
    and the user becomes owner of an ownerless contact. Returns whether the owner was assigned."""
    updated = dict(contact)
    updated["first_contacted_at"] = min(contact.get("first_contacted_at") or at, at)
    updated["last_contacted_at"] = max(contact.get("last_contacted_at") or at, at)
    assigned = contact.get("owner_id") is None
    if assigned:
        updated["owner_id"] = user_id
    updated["updated_at"] = now
    return updated, assigned


def record_email_sent(contact: dict[str, Any]) -> dict[str, Any]:
    """The contact with one more email sent to it (`emails_sent_count`, SATORI's メール column)."""
    return {**contact, "emails_sent_count": int(contact.get("emails_sent_count") or 0) + 1}

"""Imports (POST /v1/imports/{id}/start): the column → field mapping, and a CSV row as contact
changes. Pure.

Cells are text; they are turned into the JSON a contact takes (numbers, booleans, tag lists) and
then checked by the same rules as POST /v1/contacts, so an import accepts exactly what the API
accepts. An empty cell changes nothing (it never clears a value). Tags are split on commas
(also 、 and ;) and added to the contact's tags; member groups (a `groups` column: their names or
ids, split the same way) are joined.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from shared.domain import contacts as contact_rules
from shared.domain import field_labels, fields, tabular, validation
from shared.domain import groups as group_rules
from shared.domain.ids import ulid
from shared.errors import FieldError, ValidationFailed, require_valid

MAX_BYTES = 100 * 1024 * 1024
HEAD_BYTES = 64 * 1024
ON_DUPLICATE = ("update", "skip")
MAX_ERRORS_KEPT = 1_000
_PROPERTY = "properties."
_TAG_SEPARATORS = re.compile(r"[,、;，；]")
_TRUE = {"true", "1", "yes", "y", "はい", "○", "〇", "有"}
_FALSE = {"false", "0", "no", "n", "いいえ", "×", "無", ""}
# imports create ownerless contacts (the contract), never reassign, and link companies by email domain
_NOT_MAPPABLE = {"owner_id", "company_id"}


@dataclass(frozen=True)
class Start:
    mapping: dict[str, str]  # CSV column → "family_name" | "properties.KEY" | "tags" | "groups"
    on_duplicate: str


def targets(definitions: dict[str, dict[str, Any]]) -> set[str]:
    own = {name for name in contact_rules.WRITABLE if name not in _NOT_MAPPABLE}
    live = {f"{_PROPERTY}{key}" for key, definition in definitions.items() if not definition.get("archived")}
    return own | live | set(_LISTS)


_LISTS = ("tags", "groups")  # targets several columns may fill, each cell a list split on _TAG_SEPARATORS


def _mapping(value: Any) -> validation.Result:
    """A non-empty object; its columns and targets are checked apart, against the file and the tenant's fields."""
    if not isinstance(value, dict) or not value:
        return None, "must map CSV columns to fields, e.g. {\"メールアドレス\": \"email\"}"
    return value, None


_MAPPING = fields.Field(_mapping, {"type": "object", "minProperties": 1, "additionalProperties": {"type": "string"}},
                        "CSV column → a writable contact field such as `family_name` (but `owner_id` and "
                        "`company_id`), `properties.KEY` (a live property), or `tags` or `groups` (split on commas; "
                        "several columns may fill these two).", nullable=False)
_ON_DUPLICATE = fields.choice(ON_DUPLICATE, "update", "A row whose email belongs to a contact: update it (its tags "
                                                      "are added to), or skip the row.",
                              refusal="must be update or skip (contacts are matched by email)")
IMPORT_START = fields.Body("ImportStart", "import start", {"mapping": _MAPPING, "on_duplicate": _ON_DUPLICATE},
                           required=("mapping",),
                           example={"mapping": {"姓": "family_name", "名": "given_name", "メールアドレス": "email",
                                                "タグ": "tags", "業種": "properties.industry"},
                                    "on_duplicate": "update"})


def parse_start(body: Any, header: list[str], definitions: dict[str, dict[str, Any]]) -> Start:
    """POST /v1/imports/{id}/start (IMPORT_START): each mapped column must be one of the file's
    `header`, each target one of `targets`, filled by one column only (but the lists, _LISTS)."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")])
    errors = IMPORT_START.unknown(body)
    mapping, error = _MAPPING(body.get("mapping"))
    if error:
        errors.append(FieldError("mapping", error, "required"))
    allowed = targets(definitions)
    seen: dict[str, str] = {}
    for column, target in (mapping or {}).items():
        where = f"mapping.{column}"
        if column not in header:
            errors.append(FieldError(where, f"there is no column {column!r} in the file (its columns: "
                                            f"{', '.join(header[:20])})"))
        if not isinstance(target, str) or target not in allowed:
            errors.append(FieldError(where, f"{target!r} is not a contact field, a live property (properties.KEY), "
                                            "tags or groups"))
        elif target not in _LISTS and target in seen:
            errors.append(FieldError(where, f"{target} is already filled from column {seen[target]!r}"))
        else:
            seen[target] = column
    on_duplicate, error = _ON_DUPLICATE(body.get("on_duplicate", _ON_DUPLICATE.schema["default"]))
    if error:
        errors.append(FieldError("on_duplicate", error))
    require_valid(errors)
    return Start(dict(mapping), on_duplicate)


# Headers people give a field, beside its own labels (field_labels, Japanese and English) and its
# key: Japanese lists (Digima's, SATORI's, Excel templates) and English CRMs' exports.
_HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "family_name": ("氏", "苗字", "名字", "Last name", "Surname"),
    "given_name": ("First name",),
    "family_name_kana": ("姓(カナ)", "姓(フリガナ)", "フリガナ(姓)", "セイ(カナ)",
                         "カナ姓", "フリガナ", "Last name (kana)"),
    "given_name_kana": ("名(カナ)", "名(フリガナ)", "フリガナ(名)", "メイ(カナ)", "カナ名", "First name (kana)"),
    "email": ("メール", "Eメール", "Eメールアドレス", "E-mail",
              "Email address", "Mail", "Mail address", "PCメールアドレス"),
    "phone": ("電話", "TEL", "TEL番号", "携帯電話", "携帯電話番号",
              "携帯番号", "携帯", "Phone number", "Telephone", "Mobile"),
    "company": ("会社", "企業名", "企業", "法人名", "社名", "勤務先", "Company name", "Organization", "Organisation"),
    "department": ("部署名", "部門", "所属", "所属部署"),
    "title": ("役職名", "肩書", "肩書き", "Job title", "Position"),
    "address": ("所在地",),
    "website": ("URL", "ホームページ", "ホームページURL", "HP", "ウェブサイト", "サイトURL", "Web", "Homepage"),
    "memo": ("備考", "Note", "Notes", "Remarks"),
    "tags": ("Tag",),
    "groups": ("グループ", "会員グループ名", "メンバーシップ", "Group", "Membership"),
    "acquisition_channel": ("流入経路",),
    "marketing_opt_out": ("Unsubscribed",),
}


def header_key(text: str) -> str:
    """A header as compared with the words above: NFKC (full-width ＴＥＬ and half-width ｾｲ alike),
    case-folded, hiragana as katakana, without spaces or punctuation (`E-mail`, `姓（カナ）`)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" else ch for ch in folded
                   if not unicodedata.category(ch).startswith(("P", "Z", "C")))


def suggested_mapping(header: list[str], definitions: dict[str, dict[str, Any]]) -> dict[str, str | None]:
    """Each column's likely target, by its header: a contact field (its Japanese or English label,
    its key, or a word above), a live property (its label or key) or tags; None when none fits or
    an earlier column took the target (only tags may be filled from several columns)."""
    allowed = targets(definitions)
    known: dict[str, str] = {}
    for field in sorted(allowed - {target for target in allowed if target.startswith(_PROPERTY)}):
        for word in (*_HEADER_WORDS.get(field, ()), *(field_labels.label(field, language, {})
                                                         for language in field_labels.LANGUAGES), field):
            known.setdefault(header_key(word), field)
    for key, definition in sorted(definitions.items()):
        if f"{_PROPERTY}{key}" in allowed:
            for word in (definition.get("label") or "", key):
                known.setdefault(header_key(word), f"{_PROPERTY}{key}")
    known.pop("", None)
    suggested: dict[str, str | None] = {}
    taken: set[str] = set()
    for column in header:
        target = known.get(header_key(column))
        if target is not None and target in taken and target not in _LISTS:
            target = None
        suggested[column] = target
        if target is not None:
            taken.add(target)
    return suggested


def _typed(value: str, target: str, definitions: dict[str, dict[str, Any]]) -> Any:
    """The JSON value a cell stands for, given the field's type (left as text when unsure:
    the contact rules then say what is wrong)."""
    kind = definitions[target[len(_PROPERTY):]]["type"] if target.startswith(_PROPERTY) else None
    if target in ("starred", "marketing_opt_out") or kind == "boolean":
        folded = value.strip().lower()
        return True if folded in _TRUE else False if folded in _FALSE else value
    if kind == "number":
        plain = value.replace(",", "").replace("，", "").strip()
        try:
            return int(plain) if re.fullmatch(r"[+-]?\d+", plain) else float(plain)
        except ValueError:
            return value
    return value


def unreadable_past_head(reason: str) -> str:
    """The error of an import whose file stops being readable (tabular.NotTabular's `reason`,
    which names the line) after the rows before it were imported."""
    return (f"The file cannot be read {reason}. The rows before that line were imported (see the counts); "
            "fix the file and import the rows from that line on.")


def row_error(row: int, column: str | None, message: str) -> dict[str, Any]:
    """One entry of an import's `errors`: the row's line, the column at fault (None for the whole
    row) and the message, kept in English and answered in the caller's language as every error
    message is (tests/message_sources.py follows MESSAGE into the Japanese catalogue)."""
    return {"row": row, "column": column, "message": message}


def row_changes(row_number: int, row: dict[str, str], start: Start, definitions: dict[str, dict[str, Any]],
                group_names: dict[str, str] | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(contact changes, its errors: row_error entries) of one row; non-empty cells only. A
    `groups` cell names the tenant's member groups (`group_names`: id → name) by name or id."""
    if row.get(tabular.EXTRA):
        return {}, [row_error(row_number, "", f"the row has {len(row[tabular.EXTRA])} more cell(s) than the header "
                                              "has columns (an unquoted comma?)")]
    body: dict[str, Any] = {}
    column_of: dict[str, str] = {}
    groups: list[str] = []
    problems: list[dict[str, Any]] = []
    known_groups = group_rules.by_name_or_id(group_names or {})
    for column, target in start.mapping.items():
        value = (row.get(column) or "").strip()
        if not value:
            continue
        if target == "groups":
            for part in (part.strip() for part in _TAG_SEPARATORS.split(value) if part.strip()):
                group_id = known_groups.get(group_rules.name_key(part))
                if group_id is None:
                    problems.append(row_error(row_number, column, f"there is no member group named {part}"))
                elif group_id not in groups:
                    groups.append(group_id)
            if len(groups) > group_rules.MAX_GROUPS_PER_CONTACT:
                problems.append(row_error(row_number, column, f"a contact can be in at most "
                                                              f"{group_rules.MAX_GROUPS_PER_CONTACT} member groups"))
        elif target == "tags":
            body.setdefault("tags", []).extend(part.strip() for part in _TAG_SEPARATORS.split(value) if part.strip())
            column_of.setdefault("tags", column)
        elif target.startswith(_PROPERTY):
            body.setdefault("properties", {})[target[len(_PROPERTY):]] = _typed(value, target, definitions)
            column_of[target] = column
        else:
            body[target] = _typed(value, target, definitions)
            column_of[target] = column
    if problems:
        return {}, problems
    try:
        changes = contact_rules.parse_changes(body, definitions)
        return ({**changes, "groups": groups} if groups else changes), []
    except ValidationFailed as invalid:  # the column names the place; the message is the validator's own
        def column_named(field: str) -> str:  # `tags[2]` is the tags column's
            name = field.split("[", 1)[0]
            return column_of.get(name, column_of.get(field, name))

        return {}, [row_error(row_number, column_named(detail.field), detail.message) for detail in invalid.details]


def merged(contact: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """An existing contact's changes from a row: the row's values win, its tags and groups are added. The
    row matched the contact by its address, case-insensitively: the stored spelling stays."""
    if contact_rules.email_key(changes) == contact_rules.email_key(contact):
        changes = {name: value for name, value in changes.items() if name != "email"}
    for name in (name for name in _LISTS if name in changes):
        changes = {**changes, name: list(dict.fromkeys([*contact.get(name, []), *changes[name]]))}
    return changes


def contact_id(job_id: str, created_ms: int, row: int) -> str:
    """The id a row's new contact gets: a ULID whose random part comes from the import and the
    row, so a second run of the same import writes the same contact instead of a copy."""
    return ulid(created_ms, int.from_bytes(hashlib.sha256(f"{job_id}:{row}".encode()).digest()[:10], "big"))


def email_column(start: Start) -> str | None:
    """The CSV column mapped to the email."""
    return next((column for column, target in start.mapping.items() if target == "email"), None)


HIDDEN_DUPLICATE = ("Not imported: another contact already has this email address (emails are unique), "
                    "one you may not see.")
"""The row error of a known email whose contact the importer may not see (owner visibility): the
same fact POST /v1/contacts answers with its 409, and nothing more (not the contact's id)."""

EMAIL_TAKEN = ("Not imported: another contact took this email while the import ran (emails are unique); "
               "import this row again to update that contact.")


def over_limit(contact_limit: int) -> str:
    """The row error of a new contact the plan has no room for."""
    return (f"Not imported: the plan allows {contact_limit:,} contacts and all of them are in use; delete contacts or "
            "ask the owner to raise the limit, then import this row again.")

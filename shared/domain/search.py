"""Advanced contact search (POST /v1/contacts/search, saved segments): the filter language and
its validation into a tree of nodes. Pure: no boto3, no I/O.

Filter language
---------------
A filter is a tree of nodes:

* group ``{"and": [node, ...]}`` / ``{"or": [node, ...]}``: exactly one key, 1 to 50 children.
  At most ``MAX_DEPTH`` (5) groups lie on the path from the root to any node (the top group
  counts as 1), so a 6th nested group is refused at that group's own path.
* condition ``{"field": ..., "op": ..., "value": ...}`` (no other key; no value for
  ``exists``/``not_exists``).
* tag condition ``{"tags": {"include": [...], "include_mode": "any"|"all", "exclude": [...],
  "exclude_mode": "any"|"all"}}`` (modes default to "any"; at least one tag).

* segment condition ``{"segment_id": ID}``: the contact is in that segment's live result. The
  segment's own filter is parsed in its place (errors inside it are named under
  ``...segment_id``); a segment that reaches itself, directly or through others, is refused
  (``segment_cycle``), as is an unknown segment (``unknown_segment``).
* email condition ``{"emails": {"event": "sent"|"opened"|"clicked", "template_id"?, "since"?}}``:
  the contact was sent an email (from that template; at or after `since`, a time value as
  below), or opened or clicked one. Only a person's opens and clicks count, never a machine's
  (activities.searchable_mail_event). Its contacts come from the tenant's mail event index,
  read once per search (``Context.mail_ids``).

A lone condition, tag, segment or email condition may stand at the top. Fields have a type (``FIELD_TYPES``;
``properties.KEY`` takes its type from the property definition) and each type allows some
ops (``OPS_BY_TYPE``). Strings compare folded (``text.fold``: case, width and kana do not
matter), except ``id``/``owner_id`` (exact identifiers), ``email`` (case-insensitive) and
``phone`` (domestic digits, so +81 3-1234-5678 meets 03-1234-5678). Regex-like string values
are refused: search has prefix and contains, not patterns. A time value is an ISO date or
date-time, or ``{"days_ago": n}`` (an instant, now − n days, resolved when parsed). A
date-only value stands for its whole UTC day: ``eq``/``ne`` the day, ``gte``/``lt`` its start,
``gt``/``lte`` its end; an ``eq``/``ne`` with ``days_ago`` also means that whole day. Date
properties compare as dates ("YYYY-MM-DD").

A missing value (absent, null, empty) satisfies only ``ne`` and ``not_exists``.

Errors name the offending part: ``filter.and[2].or[0].field`` (unknown field or property),
``.op`` (unknown op, or an op the field's type does not allow), ``.value`` (a value of the
wrong type or shape; ``.value[3]`` for an item of ``in``/``between``), a too-deep group's own
path, ``filter.and[1].tags.include[0]`` for a tag. All problems are reported together.

Matching is shared.domain.search_match, planning shared.domain.search_plan.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from shared import keys
from shared.domain import contacts, fields, listing, text, validation
from shared.errors import FieldError, require_valid

MAX_DEPTH = 5
MAX_CHILDREN = 50
MAX_IN_VALUES = 500
MAX_CONDITIONS = 200  # conditions and tag conditions in one filter: each is evaluated per contact
MAX_TAGS_PER_CONDITION = 100
MAX_VALUE_LENGTH = 500
MAX_DAYS_AGO = 36_500
MAX_SEGMENTS = 20  # segments one filter may reach, through segment conditions at any depth
MAIL_EVENTS = ("sent", "opened", "clicked")
INVALID_FILTER = "The filter is invalid; see details."

OPS = ("eq", "ne", "in", "contains", "prefix", "gt", "gte", "lt", "lte", "between", "exists", "not_exists")
OPS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "string": ("eq", "ne", "in", "contains", "prefix", "exists", "not_exists"),
    "enum": ("eq", "ne", "in", "exists", "not_exists"),
    "boolean": ("eq", "ne", "exists", "not_exists"),
    "number": ("eq", "ne", "in", "gt", "gte", "lt", "lte", "between", "exists", "not_exists"),
    "time": ("eq", "ne", "gt", "gte", "lt", "lte", "between", "exists", "not_exists"),
}
_STRING_FIELDS = (
    "family_name", "given_name", "family_name_kana", "given_name_kana", "display_name", "email", "phone",
    "company", "department", "title", "address", "website", "acquisition_channel", "memo", "owner_id", "id",
    "last_customer_action_type",
)
_TIME_FIELDS = (
    "created_at", "updated_at", "first_contacted_at", "last_contacted_at", "last_customer_action_at",
    "last_seen_at", "acquired_at", "last_purchase_at",
)
FIELD_TYPES: dict[str, str] = {
    **{name: "string" for name in _STRING_FIELDS},
    "status": "enum", "delivery_status": "enum", "engagement": "enum",
    "starred": "boolean", "marketing_opt_out": "boolean",
    **{name: "number" for name in ("score", *contacts.COUNTS)},
    **{name: "time" for name in _TIME_FIELDS},
}
_CHOICES: dict[str, tuple[str, ...]] = {
    "status": contacts.STATUSES, "delivery_status": contacts.DELIVERY_STATUSES, "engagement": contacts.ENGAGEMENTS,
}
# How a field's values are normalised and compared ("form"), by field type and special field.
_TYPE_FORMS = {"string": "text", "enum": "choice", "boolean": "boolean", "number": "number", "time": "instant"}
_SPECIAL_FORMS = {"id": "exact", "owner_id": "exact", "email": "email", "phone": "phone"}
_PROPERTY_FORMS = {  # property type -> (field type, form)
    "text": ("string", "text"), "email": ("string", "email"), "select": ("enum", "choice"),
    "boolean": ("boolean", "boolean"), "number": ("number", "number"), "date": ("time", "date"),
}
PROPERTY_PREFIX = "properties."
_PATTERN_MARKS = (".*", ".+", "*", "\\", "[^", "(?")
_TIME_HINT = 'must be an ISO 8601 date or time such as 2026-04-01 or 2026-04-01T09:00:00Z, or {"days_ago": n}'
_DATE_HINT = 'must be a date such as 2026-04-01, or {"days_ago": n}'


# --- the tree -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Condition:
    """One field test. `value` is normalised: folded / lower-cased / digit strings, Decimal
    numbers, canonical UTC times ("YYYY-MM-DD" for date properties); a tuple for `in`, for
    `between` (low, high) and for time `eq`/`ne` (the inclusive first and last instant of the
    value); None for exists/not_exists. `form` says how values compare (set by `parse`;
    empty = derived from a built-in field's name)."""

    path: str
    field: str
    op: str
    value: Any
    form: str = ""


@dataclass(frozen=True)
class TagCondition:
    path: str
    include: tuple[str, ...]
    include_mode: str
    exclude: tuple[str, ...]
    exclude_mode: str


@dataclass(frozen=True)
class Group:
    path: str
    kind: str  # "and" | "or"
    children: tuple[Node, ...]


@dataclass(frozen=True)
class MailQuery:
    """Contacts with an email event (`sent`, `opened`, `clicked`), of emails from `template_id`
    when given, at or after `since` when given."""

    event: str
    template_id: str | None = None
    since: str | None = None

    def key(self) -> str:
        """The query as one lookup value (Lookup("emails", (key,)))."""
        return "|".join((self.event, self.template_id or "", self.since or ""))

    @staticmethod
    def of_key(key: str) -> MailQuery:
        event, template_id, since = key.split("|")
        return MailQuery(event, template_id or None, since or None)


@dataclass(frozen=True)
class MailCondition:
    path: str
    query: MailQuery


Node = Condition | TagCondition | MailCondition | Group


@dataclass(frozen=True)
class Context:
    """What matching needs besides the contact."""

    settings: dict[str, Any]  # effective settings: name_order, score_weights, engagement_thresholds
    today: date  # for score/engagement (score.score(contact, weights, today))
    mail_ids: dict[MailQuery, set[str]] = field(default_factory=dict)  # each email condition's contacts


# --- parsing ------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Field:
    name: str
    type: str
    form: str
    choices: tuple[str, ...] = ()


# (first, last, relative): the inclusive span a time value stands for, and whether it was days_ago.
_Span = tuple[str, str, bool]


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _day_span(day: date) -> tuple[str, str]:
    iso = day.isoformat()
    return f"{iso}T00:00:00.000Z", f"{iso}T23:59:59.999Z"


def _looks_like_pattern(value: str) -> bool:
    """Whether a string value reads as a regex or wildcard (which search does not support)."""
    stripped = value.strip()
    return ((len(stripped) >= 2 and stripped.startswith("/") and stripped.endswith("/"))
            or any(mark in stripped for mark in _PATTERN_MARKS)
            or stripped.startswith("^") or stripped.endswith("$"))


class _Parser:
    def __init__(self, definitions: dict[str, dict[str, Any]], now: datetime, segments: dict[str, Any],
                 within: tuple[str, ...]):
        self.definitions = definitions
        self.now = now
        self.segments = segments
        self.within = within  # the segments being expanded (outermost first): one met again is a cycle
        self.errors: list[FieldError] = []
        self.conditions = 0

    def fail(self, path: str, message: str, code: str = "invalid") -> None:
        self.errors.append(FieldError(path, message, code))

    # nodes

    def node(self, tree: Any, path: str, groups_above: int) -> Node:
        if not isinstance(tree, dict) or not tree:
            self.fail(path, 'must be a group ({"and": [...]} or {"or": [...]}), a condition or a tag condition')
            return Group(path, "and", ())
        if "and" in tree or "or" in tree:
            return self.group(tree, path, groups_above + 1)
        if "tags" in tree:
            return self.tags(tree, path)
        if "segment_id" in tree:
            return self.segment(tree, path)
        if "emails" in tree:
            return self.emails(tree, path)
        return self.condition(tree, path)

    def segment(self, tree: dict[str, Any], path: str) -> Node:
        """The segment's filter in place of the condition (its own groups nest afresh)."""
        only = self.only_key(tree, "segment_id", path, "a segment condition has only \"segment_id\"")
        segment_id, id_path = tree["segment_id"], f"{path}.segment_id"
        if not isinstance(segment_id, str) or segment_id not in self.segments:
            self.fail(id_path, "is not one of your segments", "unknown_segment")
            return Group(path, "and", ())
        if segment_id in self.within:
            self.fail(id_path, "refers back to a segment that contains this condition; a segment cannot "
                      "include itself", "segment_cycle")
            return Group(path, "and", ())
        if not only or self.conditions > MAX_CONDITIONS:
            return Group(path, "and", ())
        self.within = (*self.within, segment_id)
        node = self.node(self.segments[segment_id], id_path, 0)
        self.within = self.within[:-1]
        return node

    def emails(self, tree: dict[str, Any], path: str) -> Node:
        self.conditions += 1
        self.only_key(tree, "emails", path, 'an email condition has only "emails"')
        spec, spec_path = tree["emails"], f"{path}.emails"
        if not isinstance(spec, dict):
            self.fail(spec_path, 'must be an object such as {"event": "opened", "since": {"days_ago": 30}}')
            return MailCondition(path, MailQuery("sent"))
        for key in spec:
            if key not in ("event", "template_id", "since"):
                self.fail(f"{spec_path}.{key}", "is not part of an email condition (event, template_id, since)",
                          "unknown_field")
        event = spec.get("event")
        if event not in MAIL_EVENTS:
            self.fail(f"{spec_path}.event", f"must be one of {', '.join(MAIL_EVENTS)}",
                      "required" if event is None else "invalid")
        template_id = spec.get("template_id")
        if template_id is not None and (not isinstance(template_id, str) or not keys.is_plain_id(template_id)):
            self.fail(f"{spec_path}.template_id", "must be the id of one of your templates")
            template_id = None
        since = None
        if spec.get("since") is not None:
            span = self.time(_Field("since", "time", "instant"), spec["since"], f"{spec_path}.since")
            since = None if span is None else span[0]
        return MailCondition(path, MailQuery(event if event in MAIL_EVENTS else "sent", template_id, since))

    def only_key(self, tree: dict[str, Any], key: str, path: str, message: str) -> bool:
        """Whether `key` is the node's only key (else each other key is reported)."""
        others = [name for name in tree if name != key]
        for name in others:
            self.fail(f"{path}.{name}", message, "unknown_field")
        return not others

    def group(self, tree: dict[str, Any], path: str, depth: int) -> Node:
        if len(tree) != 1:
            self.fail(path, 'a group has exactly one key, "and" or "or"')
            return Group(path, "and", ())
        kind, children = next(iter(tree.items()))
        if depth > MAX_DEPTH:
            self.fail(path, f"groups nest at most {MAX_DEPTH} deep", "too_deep")
            return Group(path, kind, ())
        if not isinstance(children, list) or not children:
            self.fail(f"{path}.{kind}", "must be a non-empty list of conditions or groups", "required")
            return Group(path, kind, ())
        if len(children) > MAX_CHILDREN:
            self.fail(f"{path}.{kind}", f"a group has at most {MAX_CHILDREN} children", "limit")
            return Group(path, kind, ())
        nodes = tuple(self.node(child, f"{path}.{kind}[{index}]", depth) for index, child in enumerate(children))
        return Group(path, kind, nodes)

    def tags(self, tree: dict[str, Any], path: str) -> Node:
        self.conditions += 1
        for key in tree:
            if key != "tags":
                self.fail(f"{path}.{key}", 'a tag condition has only "tags"', "unknown_field")
        spec, tags_path = tree["tags"], f"{path}.tags"
        if not isinstance(spec, dict):
            self.fail(tags_path, "must be an object with include and/or exclude tag lists")
            return TagCondition(path, (), "any", (), "any")
        for key in spec:
            if key not in ("include", "include_mode", "exclude", "exclude_mode"):
                self.fail(f"{tags_path}.{key}", "is not part of a tag condition (include, include_mode, "
                          "exclude, exclude_mode)", "unknown_field")
        errors_before = len(self.errors)
        include = self.tag_list(spec.get("include"), f"{tags_path}.include")
        exclude = self.tag_list(spec.get("exclude"), f"{tags_path}.exclude")
        modes = []
        for name in ("include_mode", "exclude_mode"):
            mode = spec.get(name, "any")
            if mode not in ("any", "all"):
                self.fail(f"{tags_path}.{name}", "must be any or all")
            modes.append(mode)
        if not include and not exclude and len(self.errors) == errors_before:
            self.fail(tags_path, "needs at least one tag in include or exclude", "required")
        return TagCondition(path, include, modes[0], exclude, modes[1])

    def tag_list(self, value: Any, path: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail(path, "must be a list of tag names")
            return ()
        if len(value) > MAX_TAGS_PER_CONDITION:
            self.fail(path, f"at most {MAX_TAGS_PER_CONDITION} tags", "limit")
            return ()
        names: list[str] = []
        for index, item in enumerate(value):
            name, error = contacts.tag_name(item)
            if error:
                self.fail(f"{path}[{index}]", error)
            elif name not in names:
                names.append(name)
        return tuple(names)

    def condition(self, tree: dict[str, Any], path: str) -> Node:
        self.conditions += 1
        for key in tree:
            if key not in ("field", "op", "value"):
                self.fail(f"{path}.{key}", "is not part of a condition (field, op, value)", "unknown_field")
        field = self.field(tree, path)
        op = tree.get("op")
        if "op" not in tree or op is None:
            self.fail(f"{path}.op", "is required", "required")
            op = None
        elif op not in OPS:
            self.fail(f"{path}.op", f"must be one of {', '.join(OPS)}", "unknown_op")
            op = None
        if field is None or op is None:
            return Condition(path, str(tree.get("field")), str(op), None)
        if op not in OPS_BY_TYPE[field.type]:
            self.fail(f"{path}.op", f"is not available for a {field.type} field; use one of "
                      f"{', '.join(OPS_BY_TYPE[field.type])}", "op_not_allowed")
            return Condition(path, field.name, op, None, field.form)
        return Condition(path, field.name, op, self.value(field, op, tree, f"{path}.value"), field.form)

    def field(self, tree: dict[str, Any], path: str) -> _Field | None:
        name, field_path = tree.get("field"), f"{path}.field"
        if "field" not in tree or name is None:
            self.fail(field_path, "is required", "required")
            return None
        if not isinstance(name, str):
            self.fail(field_path, "must be a string naming a contact field or properties.KEY")
            return None
        if name.startswith(PROPERTY_PREFIX):
            definition = self.definitions.get(name[len(PROPERTY_PREFIX):])
            if definition is None:
                self.fail(field_path, "is not a defined property", "unknown_property")
                return None
            if definition.get("archived"):
                self.fail(field_path, "is archived; restore it before searching on it", "archived_property")
                return None
            field_type, form = _PROPERTY_FORMS[definition["type"]]
            return _Field(name, field_type, form, tuple(definition.get("options") or ()))
        if name not in FIELD_TYPES:
            self.fail(field_path, "is not a searchable contact field", "unknown_field")
            return None
        return _Field(name, FIELD_TYPES[name], form_of(name), _CHOICES.get(name, ()))

    # values

    def value(self, field: _Field, op: str, tree: dict[str, Any], path: str) -> Any:
        raw = tree.get("value")
        if op in ("exists", "not_exists"):
            if raw is not None:
                self.fail(path, f"must be omitted for {op}")
            return None
        if raw is None:
            self.fail(path, "is required", "required")
            return None
        if op == "in":
            return self.items(field, raw, path)
        if op == "between":
            return self.between(field, raw, path)
        if field.type == "time":
            span = self.time(field, raw, path)
            return None if span is None else _time_value(field, op, span)
        return self.scalar(field, raw, path)

    def items(self, field: _Field, raw: Any, path: str) -> tuple[Any, ...] | None:
        if not isinstance(raw, list) or not raw:
            self.fail(path, "must be a non-empty list of values")
            return None
        if len(raw) > MAX_IN_VALUES:
            self.fail(path, f"must list at most {MAX_IN_VALUES} values", "limit")
            return None
        values: list[Any] = []
        for index, item in enumerate(raw):
            value = self.scalar(field, item, f"{path}[{index}]")
            if value is not None and value not in values:
                values.append(value)
        return tuple(values)

    def between(self, field: _Field, raw: Any, path: str) -> tuple[Any, Any] | None:
        if not isinstance(raw, list) or len(raw) != 2:
            self.fail(path, "must be a list of two values, [low, high]")
            return None
        if field.type == "time":
            spans = [self.time(field, item, f"{path}[{index}]") for index, item in enumerate(raw)]
            if spans[0] is None or spans[1] is None:
                return None
            low, high = spans[0][0], spans[1][1]
        else:
            low, high = (self.scalar(field, item, f"{path}[{index}]") for index, item in enumerate(raw))
            if low is None or high is None:
                return None
        if low > high:
            self.fail(path, "low must not be above high")
            return None
        return low, high

    def scalar(self, field: _Field, raw: Any, path: str) -> Any:
        """One value of the field's type, normalised for comparison (None after an error)."""
        if field.type == "string":
            return self.string(field, raw, path)
        if field.type == "enum":
            if not isinstance(raw, str) or raw not in field.choices:
                self.fail(path, f"must be one of: {', '.join(field.choices)}")
                return None
            return raw
        if field.type == "boolean":
            if not isinstance(raw, bool):
                self.fail(path, "must be true or false")
                return None
            return raw
        number, error = validation.number(raw)
        if error:
            self.fail(path, error)
            return None
        return decimal_of(number)

    def string(self, field: _Field, raw: Any, path: str) -> str | None:
        if not isinstance(raw, str):
            self.fail(path, "must be a string")
            return None
        normalised = unicodedata.normalize("NFKC", raw).strip()
        if len(normalised) > MAX_VALUE_LENGTH:
            self.fail(path, f"must be at most {MAX_VALUE_LENGTH} characters")
            return None
        if _looks_like_pattern(normalised):
            self.fail(path, "patterns and wildcards are not supported; use prefix or contains with plain text",
                      "pattern_not_supported")
            return None
        value = normalise_text(field.form, normalised)
        if not value:
            message = "must contain digits, such as 03-1234-5678" if field.form == "phone" else "must not be empty"
            self.fail(path, f"{message}; use exists or not_exists to test for a value")
            return None
        return value

    def time(self, field: _Field, raw: Any, path: str) -> _Span | None:
        """The span a time value stands for: a date's whole UTC day, an instant, or now − n days."""
        if isinstance(raw, dict):
            days: Any = raw.get("days_ago")  # a JSON value: a whole number once checked
            whole = isinstance(days, int) and not isinstance(days, bool)
            if set(raw) != {"days_ago"} or not whole or not 0 <= days <= MAX_DAYS_AGO:
                self.fail(path, f'must be {{"days_ago": n}} with n a whole number from 0 to {MAX_DAYS_AGO}')
                return None
            moment = self.now - timedelta(days=days)
            if field.form == "date":
                iso_day = moment.date().isoformat()
                return iso_day, iso_day, True
            instant = validation.format_time(moment)
            return instant, instant, True
        hint = _DATE_HINT if field.form == "date" else _TIME_HINT
        if not isinstance(raw, str):
            self.fail(path, hint)
            return None
        try:
            day = date.fromisoformat(raw.strip())
        except ValueError:
            day = None
        if day is not None:
            if not 1900 <= day.year <= 2999:
                self.fail(path, hint)
                return None
            if field.form == "date":
                return day.isoformat(), day.isoformat(), False
            first, last = _day_span(day)
            return first, last, False
        instant, error = validation.timestamp(raw)
        if error or field.form == "date":
            self.fail(path, hint)
            return None
        return instant, instant, False


def _time_value(field: _Field, op: str, span: _Span) -> Any:
    """The compared value of a time op: eq/ne an inclusive (first, last) range (days_ago: its
    whole UTC day), gte/lt the span's first instant, gt/lte its last."""
    first, last, relative = span
    if op in ("eq", "ne"):
        if relative and field.form == "instant":
            return _day_span(date.fromisoformat(first[:10]))
        return first, last
    return first if op in ("gte", "lt") else last


def form_of(field: str) -> str:
    if field in _SPECIAL_FORMS:
        return _SPECIAL_FORMS[field]
    return _TYPE_FORMS[FIELD_TYPES.get(field, "string")]


def decimal_of(number: Any) -> Decimal:
    """Numbers compare as Decimal (DynamoDB's type); a float through its shortest repr (0.1 → 0.1)."""
    if isinstance(number, Decimal):
        return number
    return Decimal(str(number)) if isinstance(number, float) else Decimal(number)


def normalise_text(form: str, value: str) -> str:
    if form == "phone":
        return contacts.phone_digits(value)
    if form == "email":
        return value.lower()
    if form == "exact":
        return value
    return text.fold(value)


def parse(tree: Any, definitions: dict[str, dict[str, Any]], now: datetime, path: str = "filter",
          segments: dict[str, Any] | None = None, within: tuple[str, ...] = ()) -> Node:
    """The validated, normalised filter; raises ValidationFailed naming every problem.
    `definitions` are the tenant's property definitions; `now` resolves days_ago; `segments`
    holds the filters of the segments it reaches (segment_ids_in); `within` the segment whose
    filter this is, which the filter may not reach again."""
    parser = _Parser(definitions, _utc(now), segments or {}, within)
    node = parser.node(tree, path, 0)
    if parser.conditions > MAX_CONDITIONS:
        parser.fail(path, f"a filter has at most {MAX_CONDITIONS} conditions", "limit")
    require_valid(parser.errors, INVALID_FILTER)
    return node


def segment_ids_in(tree: Any, groups_above: int = 0) -> set[str]:
    """The segment ids a raw filter's segment conditions name (not those of the segments they
    name: the caller loads those and asks again), within the depth `parse` accepts."""
    if not isinstance(tree, dict):
        return set()
    if "and" in tree or "or" in tree:
        if groups_above >= MAX_DEPTH:
            return set()  # too deep: parse refuses it
        children = [child for value in tree.values() if isinstance(value, list) for child in value]
        return set().union(*(segment_ids_in(child, groups_above + 1) for child in children))
    segment_id = tree.get("segment_id")
    return {segment_id} if isinstance(segment_id, str) and keys.is_plain_id(segment_id) else set()


def mail_queries(node: Node | None) -> list[MailQuery]:
    """The distinct email queries of a filter's email conditions."""
    if isinstance(node, Group):
        return list(dict.fromkeys(query for child in node.children for query in mail_queries(child)))
    return [node.query] if isinstance(node, MailCondition) else []


# --- the body of POST /v1/contacts/search -------------------------------------------------------

MAX_QUERY_LENGTH = 200


def quick_search(value: Any) -> validation.Result:
    """The quick search `q` as given (it is trimmed when searched); None is none."""
    if value is not None and (not isinstance(value, str) or len(value) > MAX_QUERY_LENGTH):
        return None, f"must be a string of at most {MAX_QUERY_LENGTH} characters"
    return value, None


_DEFAULT = "`null` or leaving it out: the default."
# `filter` is parsed by `parse`, `q` by quick_search; `sort`, `order` and `limit` are checked as GET
# /v1/contacts checks its query (listing.parse_query), and `cursor` when it is decoded.
SEARCH_REQUEST = fields.Body("SearchRequest", "search", {
    "filter": {"allOf": [{"$ref": "#/components/schemas/Filter"}], "nullable": True,
               "description": "A filter tree, as `Filter` describes it; `null` or leaving it out: no filter."},
    "q": fields.Field(quick_search, {"type": "string", "maxLength": MAX_QUERY_LENGTH},
                      "Quick search, as GET /v1/contacts?q=; `null` or leaving it out: none."),
    "sort": {"type": "string", "enum": [*contacts.SORT_FIELDS, None], "default": listing.ContactQuery.sort,
             "nullable": True, "description": _DEFAULT},
    "order": {"type": "string", "enum": ["asc", "desc", None], "default": "desc", "nullable": True,
              "description": _DEFAULT},
    "limit": {"type": "integer", "minimum": 1, "maximum": listing.MAX_LIMIT, "default": listing.DEFAULT_LIMIT,
              "nullable": True, "description": _DEFAULT},
    "cursor": {"type": "string", "nullable": True,
               "description": "`next_cursor` of the previous page of the same search; `null` or leaving it out: the "
                              "first page."},
}, example={"filter": {"field": "company", "op": "prefix", "value": "株式会社サンプル"}, "sort": "name",
            "order": "asc", "limit": 50})

"""Tenant settings: defaults, partial updates and their validation."""

from __future__ import annotations

from typing import Any

from shared.domain import fields, validation
from shared.domain.access import ROLES
from shared.errors import FieldError, require_valid

NAME_ORDERS = ("family_given", "given_family")
NAME_COLUMN = "name"
# Points per activity type for the 90-day score (README: "Score and engagement").
DEFAULT_SCORE_WEIGHTS = {
    "email_opened": 1,
    "email_clicked": 3,
    "email_received": 5,
    "page_view": 1,
    "form_submitted": 10,
    "purchase": 20,
    "meeting": 10,
    "call": 3,
}
DEFAULTS: dict[str, Any] = {
    "name_order": "family_given",
    # Digima's list: the five sortable columns (名前, メールアドレス, 作成日, 直近連絡日時, 直近顧客行動日時) all shown
    "list_columns": [NAME_COLUMN, "company", "email", "phone", "status", "owner_id", "created_at", "last_contacted_at",
                     "last_customer_action_at"],
    "owner_visibility_restricted": False,
    "export_roles": ["owner", "admin"],
    "score_weights": DEFAULT_SCORE_WEIGHTS,
    # engagement: score ≥ hot is hot, ≥ active is active, else inactive (README: "Score and engagement")
    "engagement_thresholds": {"hot": 30, "active": 5},
    # tracked links carry `_crm_click` so the web snippet identifies the clicker (README: "Web collection")
    "identify_visitors_from_email_clicks": False,
    # the plan's number of contacts (seed 003: MU); null = no limit; only the owner changes it
    "contact_limit": None,
}
MAX_CONTACT_LIMIT = 10_000_000
MAX_ACTIVITY_TYPE_LENGTH = 64
MAX_SCORE_POINTS = 1000
MAX_THRESHOLD = 100_000
READ_ONLY = ("usage",)  # GET /v1/settings also shows the usage; a PUT may send it back unchanged


def effective(stored: dict[str, Any] | None) -> dict[str, Any]:
    """Stored settings over the defaults."""
    return {**DEFAULTS, **(stored or {})}


def _list_columns(value: Any, allowed: set[str], errors: list[FieldError]) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        errors.append(FieldError("list_columns", "must be a list of field names"))
        return None
    unknown = [name for name in value if name not in allowed and name != NAME_COLUMN]
    for name in unknown:
        errors.append(FieldError("list_columns", f"'{name}' is not a contact field or property"))
    ordered = [NAME_COLUMN] + [name for name in dict.fromkeys(value) if name != NAME_COLUMN]
    return ordered


def _score_weights(value: Any, errors: list[FieldError]) -> dict[str, int] | None:
    if not isinstance(value, dict):
        errors.append(FieldError("score_weights", "must be an object of activity type → points"))
        return None
    for activity_type, points in value.items():
        if not isinstance(activity_type, str) or not 1 <= len(activity_type) <= MAX_ACTIVITY_TYPE_LENGTH:
            errors.append(FieldError("score_weights", "activity types must be 1 to 64 characters"))
        elif isinstance(points, bool) or not isinstance(points, int) or abs(points) > MAX_SCORE_POINTS:
            errors.append(FieldError(f"score_weights.{activity_type}", "must be a whole number from -1000 to 1000"))
    return value


def _thresholds(value: Any, errors: list[FieldError]) -> dict[str, int] | None:
    if (not isinstance(value, dict) or set(value) != {"hot", "active"} or not all(
            isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= MAX_THRESHOLD for n in value.values())):
        errors.append(FieldError("engagement_thresholds", "must be {\"hot\": n, \"active\": m}, whole numbers from 0"))
        return None
    if value["hot"] <= value["active"]:
        errors.append(FieldError("engagement_thresholds.hot", "must be above active"))
    return value


def _export_roles(value: Any) -> validation.Result:
    if not isinstance(value, list) or not all(role in ROLES for role in value):
        return None, f"must be a list of roles among {', '.join(ROLES)}"
    return [role for role in ROLES if role in value], None


def _contact_limit(value: Any) -> validation.Result:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                              or not 1 <= value <= MAX_CONTACT_LIMIT):
        return None, f"must be null (no limit) or a whole number from 1 to {MAX_CONTACT_LIMIT:,}"
    return value, None


# The settings checked each alone; `list_columns`, `score_weights` and `engagement_thresholds` are
# checked apart (against the tenant's fields, or naming a part of the value).
_CHECKED: dict[str, fields.Field] = {
    "name_order": fields.choice(NAME_ORDERS, None, 'How `display_name` is built: `family_given` gives "山田 太郎", '
                                                   '`given_family` gives "太郎 山田".'),
    "owner_visibility_restricted": fields.boolean(None, "When true, a `user` sees, searches, exports and emails only "
                                                        "the contacts they own."),
    "export_roles": fields.Field(_export_roles, {"type": "array", "items": {"type": "string", "enum": list(ROLES)}},
                                 "Roles allowed to export (answered in the order owner, admin, manager, user).",
                                 nullable=False),
    "identify_visitors_from_email_clicks": fields.boolean(
        None, "When true, tracked links carry `_crm_click=<token>` so that the site's collect.js snippet identifies "
              "the clicking visitor as the contact. Off by default: a click then lands on exactly the URL that was in "
              "the email."),
    "contact_limit": fields.Field(_contact_limit, {"type": "integer", "minimum": 1, "maximum": MAX_CONTACT_LIMIT},
                                  "The plan's number of contacts (null: no limit): creating a contact beyond it is a "
                                  "403, and an import's rows beyond it are row errors. Only the owner changes it (403 "
                                  "for another role)."),
}
_THRESHOLD = {"type": "integer", "minimum": 0, "maximum": MAX_THRESHOLD}
_APART: dict[str, dict[str, Any]] = {
    "list_columns": {"type": "array", "items": {"type": "string"},
                     "description": "Ordered columns of the contact list: contact field names or `properties.KEY`; "
                                    "`name` always comes first (it is added when missing), duplicates are dropped."},
    "score_weights": {"type": "object",
                      "description": f"Points per activity type (keys of 1 to {MAX_ACTIVITY_TYPE_LENGTH} characters) "
                                     "for the 90-day score.",
                      "additionalProperties": {"type": "integer", "minimum": -MAX_SCORE_POINTS,
                                               "maximum": MAX_SCORE_POINTS}},
    "engagement_thresholds": {"type": "object", "additionalProperties": False, "required": ["hot", "active"],
                              "description": "Engagement: score ≥ hot is hot, ≥ active is active, else inactive; hot "
                                             "must be above active.",
                              "properties": {"hot": _THRESHOLD, "active": _THRESHOLD}},
}
SETTINGS_UPDATE = fields.Body("SettingsUpdate", "setting", {**_CHECKED, **_APART},
                              description="A partial update: only the fields given change (a whole list or map "
                                          "replaces the stored one).",
                              example={"name_order": "given_family", "owner_visibility_restricted": True})


def updated(current: dict[str, Any], body: Any, column_names: set[str]) -> dict[str, Any]:
    """Settings after a partial PUT (SETTINGS_UPDATE); only the fields given change, and each
    wrong one is named in the order of the body. The read-only `usage` is ignored."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")])
    errors: list[FieldError] = []
    result = dict(current)
    for name, value in body.items():
        if name in _CHECKED:
            result[name], error = _CHECKED[name](value)
            if error:
                errors.append(FieldError(name, error))
        elif name == "list_columns":
            result[name] = _list_columns(value, column_names, errors)
        elif name == "score_weights":
            result[name] = _score_weights(value, errors)
        elif name == "engagement_thresholds":
            result[name] = _thresholds(value, errors)
        elif name not in READ_ONLY:
            errors += SETTINGS_UPDATE.unknown({name: value})
    require_valid(errors)
    return result

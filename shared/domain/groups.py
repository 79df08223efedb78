"""Member groups (Connected One's 会員グループ): a group of contacts, shown by its name to its
members, with the page a member is sent to after joining. Fields, validation and the public
shape. Pure.

A contact's groups are its `groups` field (their ids, read-only on the contact: a contact joins or
leaves a group through the group's members, bulk actions, imports and web forms)."""

from __future__ import annotations

import unicodedata
from typing import Any

from shared.domain import fields, validation
from shared.errors import FieldError, require_valid

MAX_NAME_LENGTH = 100
MAX_GROUPS_PER_CONTACT = 20  # a contact's deletion takes its memberships and their counts in one transaction
FIELDS: dict[str, fields.Field] = {
    "name": fields.text(MAX_NAME_LENGTH, "Shown to the group's members.", required=True),
    "redirect_url": fields.url("Where a member is sent after joining (メンバー追加後のリダイレクト先): an http or "
                               "https URL; a bare host such as `example.co.jp` is stored as `https://example.co.jp`."),
    "web_form_joinable": fields.boolean(False, "Whether the tenant's web forms (POST /collect `form_submitted` with "
                                               "`member_group_id`) may add the contact who sends them; default false."),
}
MEMBER_GROUP_INPUT = fields.Body("MemberGroupInput", "member group", FIELDS, required=("name",),
                                 example={"name": "オンラインサロン", "redirect_url": "https://example.jp/welcome"})
MEMBER_GROUP_UPDATE = fields.Body("MemberGroupUpdate", "member group", FIELDS,
                                  description="Only the fields given change; `redirect_url` null clears it.",
                                  example={"redirect_url": "https://example.jp/salon/welcome"})


def parse(body: Any, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """A create (`current` None: `name` required) or a partial update's fields; 422 naming each bad one.
    `redirect_url` (null clears it) is where a member lands after joining; `web_form_joinable`
    lets the tenant's web forms add the contact who sends them."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")], "The request body must be a JSON object.")
    errors = MEMBER_GROUP_INPUT.unknown(body)
    parsed: dict[str, Any] = {}
    if current is None or "name" in body:
        name, error = FIELDS["name"](body.get("name"))
        if error:
            errors.append(FieldError("name", error))
        elif not name:
            errors.append(FieldError("name", f"is required: 1 to {MAX_NAME_LENGTH} characters", "required"))
        parsed["name"] = name
    if body.get("redirect_url") is not None:
        url, error = FIELDS["redirect_url"](body["redirect_url"])
        if error:
            errors.append(FieldError("redirect_url", error))
        parsed["redirect_url"] = url or None
    elif "redirect_url" in body:
        parsed["redirect_url"] = None
    if "web_form_joinable" in body or current is None:
        joinable, error = FIELDS["web_form_joinable"](body.get("web_form_joinable", False))
        if error:
            errors.append(FieldError("web_form_joinable", error))
        parsed["web_form_joinable"] = joinable
    require_valid(errors)
    return parsed


def public(group: dict[str, Any], *, counted: bool = True) -> dict[str, Any]:
    """The group as the API answers it; `contact_count` is null for a reader who does not see
    every contact (owner visibility): the counter is tenant-wide."""
    return {"id": group["id"], "name": group["name"], "redirect_url": group.get("redirect_url"),
            "web_form_joinable": bool(group.get("web_form_joinable")),
            "contact_count": group.get("contact_count", 0) if counted else None,
            "created_at": group["created_at"], "updated_at": group["updated_at"], "created_by": group.get("created_by")}


def joined(groups: list[str], group_id: str) -> list[str]:
    """A contact's groups once it joined `group_id` (unchanged when already a member)."""
    return groups if group_id in groups else [*groups, group_id]


def left(groups: list[str], group_id: str) -> list[str]:
    return [other for other in groups if other != group_id]


def name_key(text: str) -> str:
    """A group's name (or id) as a person's cell may spell it: NFKC, case-folded, trimmed."""
    return unicodedata.normalize("NFKC", text).casefold().strip()


def by_name_or_id(names: dict[str, str]) -> dict[str, str]:
    """The group id each `name_key` of a name or an id stands for (`names`: id → name); an id wins
    over another group's equal name."""
    found = {name_key(name): group_id for group_id, name in names.items()}
    return {**found, **{name_key(group_id): group_id for group_id in names}}


# --- member logins ---------------------------------------------------------------------------
# A contact's `member_login_status`: absent (no login), "invited" (the invitation is out) or
# "active" (the member has set a password and signed in).

MAX_PASSWORD_LENGTH = 256  # Cognito's limit on a password
# A challenge's Session: 20 to 2048 characters
# (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminRespondToAuthChallenge.html)
SESSION_LENGTHS = (20, 2048)


_NON_EMPTY = "is required: a non-empty string"


def _password(value: Any) -> validation.Result:
    """A password as it is typed (not trimmed): 1 to MAX_PASSWORD_LENGTH characters."""
    if not isinstance(value, str) or not value or len(value) > MAX_PASSWORD_LENGTH:
        return None, _NON_EMPTY
    return value, None


def _session(value: Any) -> validation.Result:
    if not isinstance(value, str) or not SESSION_LENGTHS[0] <= len(value) <= SESSION_LENGTHS[1]:
        return None, "must be the session the sign-in answered with its challenge"
    return value, None


_PASSWORD_SCHEMA = {"type": "string", "minLength": 1, "maxLength": MAX_PASSWORD_LENGTH}
# the fields of both requests; the email cannot be emptied: parse_credentials refuses an empty one
_CREDENTIALS: dict[str, fields.Field] = {
    "email": fields.email("The member's email address (full-width input is normalised by NFKC; compared "
                          "lower-case).", required=True),
    "password": fields.Field(_password, _PASSWORD_SCHEMA, "The member's password, as typed (not trimmed).",
                             nullable=False),
    "session": fields.Field(_session, {"type": "string", "minLength": SESSION_LENGTHS[0],
                                       "maxLength": SESSION_LENGTHS[1]},
                            "The `session` the sign-in answered with its challenge.", nullable=False),
    "new_password": fields.Field(_password, _PASSWORD_SCHEMA,
                                 "At least 8 characters with lower-case letters and digits.", nullable=False),
}


def _credentials(component: str, names: tuple[str, ...], example: dict[str, str]) -> fields.Body:
    """A request of the member site: `names`, each required, in the order their errors are listed."""
    return fields.Body(component, "member site", {name: _CREDENTIALS[name] for name in names}, required=names,
                       example=example)


MEMBER_SIGN_IN = _credentials("MemberSignIn", ("email", "password"),
                              {"email": "hanako@example.jp", "password": "temporary-1234"})
MEMBER_NEW_PASSWORD = _credentials("MemberNewPassword", ("email", "session", "new_password"),
                                   {"email": "hanako@example.jp", "session": "AYABeC...challenge-session",
                                    "new_password": "salon-member-2026"})


def parse_credentials(body: Any, *, challenge: bool) -> dict[str, str]:
    """The member site's sign-in `{"email", "password"}` (MEMBER_SIGN_IN), or (`challenge`) the
    invited member's `{"email", "session", "new_password"}` (MEMBER_NEW_PASSWORD); 422 naming each
    missing or bad field, an empty email or a wrong password as required."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")], "The request body must be a JSON object.")
    request = MEMBER_NEW_PASSWORD if challenge else MEMBER_SIGN_IN
    errors = request.unknown(body)
    credentials: dict[str, str] = {}
    for name in request.required:
        credentials[name], error = _CREDENTIALS[name](body.get(name))
        if error or not credentials[name]:
            errors.append(FieldError(name, error or "is required", "required" if error in (None, _NON_EMPTY)
                                     else "invalid"))
    require_valid(errors)
    return {**credentials, "email": credentials["email"].lower()}

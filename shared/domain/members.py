"""The member directory's rules, pure: who may manage whom, what a request asks, how a change
moves the tenant's count of owners who can act, and what a member record lets its token do.

Contract ("Teams and sign-in"): owner and admin invite, change and remove members; only an owner
grants or takes away `owner` or touches another owner; manager and user get 403. Nothing may leave
a tenant without an active owner (409): an owner who is not disabled counts.
"""

from __future__ import annotations

from typing import Any, cast

from shared.domain import fields
from shared.domain.access import ADMIN_ROLES, ROLES, Principal
from shared.errors import FieldError, Forbidden, Unauthorized, ValidationFailed, require_valid

STATUSES = ("invited", "active", "disabled")
MAX_NAME_LENGTH = 256  # Cognito's `name` attribute takes up to 2,048 characters; a person's name needs far fewer


def require_manager(principal: Principal) -> None:
    """Only an owner or an admin invites, changes or removes members."""
    if principal.role not in ADMIN_ROLES:
        raise Forbidden(f"Only an owner or admin can manage members; your role is {principal.role}.")


def require_may_touch(principal: Principal, target: dict[str, Any], new_role: str | None = None) -> None:
    """The caller may change or remove `target` (and give them `new_role`): owner or admin, and
    only an owner touches an owner or grants `owner`."""
    require_manager(principal)
    if principal.role != "owner" and (target.get("role") == "owner" or new_role == "owner"):
        raise Forbidden("Only an owner can grant or take away the owner role, or change another owner.")


def counts_as_owner(member: dict[str, Any] | None) -> bool:
    """An owner who can act for the tenant: role owner, not disabled, not being removed."""
    return member is not None and bool(member) and member["role"] == "owner" and member["status"] != "disabled" \
        and not member.get("removing")


def owner_delta(before: dict[str, Any] | None, after: dict[str, Any] | None) -> int:
    """How a change (None: no member) moves the tenant's count of owners who can act."""
    return int(counts_as_owner(after)) - int(counts_as_owner(before))


_ROLE = fields.choice(ROLES, None, "Role in the workspace: owner and admin manage members, and only an owner grants "
                                   "or takes away `owner`.")
# the name and the email cannot be emptied: _name and parse_invitation refuse an empty one
_NAME = fields.text(MAX_NAME_LENGTH, "The member's name, as the directory shows it.", required=True)
_EMAIL = fields.email("The member's email address, to which the invitation is sent and with which they sign in; "
                      "full-width input is normalised (NFKC), and it is stored lower-case.", required=True)
MEMBER_INVITATION = fields.Body("MemberInvitation", "invitation", {"email": _EMAIL, "name": _NAME, "role": _ROLE},
                                required=("email", "name", "role"))
_DISABLED = fields.boolean(None, "`true` disables the member (their token answers 401 from their next request), "
                                 "`false` enables them again.")
MEMBER_CHANGE = fields.Body("MemberChange", "member change", {"role": _ROLE, "name": _NAME, "disabled": _DISABLED})


def _role(value: Any, errors: list[FieldError]) -> str | None:
    role, error = _ROLE(value)
    if error:
        errors.append(FieldError("role", error, "unknown_role"))
    return cast(str | None, role)  # one of ROLES, or None when refused


def _name(value: Any, errors: list[FieldError]) -> str | None:
    name, error = _NAME(value)
    if error or not name:
        errors.append(FieldError("name", error or "must not be empty", "invalid" if error else "required"))
    return cast(str | None, name)


def parse_invitation(body: Any) -> dict[str, str]:
    """POST /v1/members `{"email", "name", "role"}` (MEMBER_INVITATION): each field checked (422
    with details)."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")])
    errors = MEMBER_INVITATION.unknown(body)
    email, error = _EMAIL(body.get("email"))
    if error or not email:
        errors.append(FieldError("email", error or "is required", "invalid" if error else "required"))
    name = _name(body.get("name"), errors)
    role = _role(body.get("role"), errors)
    require_valid(errors)
    return {"email": email.lower(), "name": name, "role": role}


def parse_change(body: Any) -> dict[str, Any]:
    """PATCH /v1/members/{id} `{"role"?, "name"?, "disabled"?}` (MEMBER_CHANGE): the fields given,
    checked."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")])
    errors = MEMBER_CHANGE.unknown(body)
    change: dict[str, Any] = {}
    if "role" in body:
        change["role"] = _role(body["role"], errors)
    if "name" in body:
        change["name"] = _name(body["name"], errors)
    if "disabled" in body:
        change["disabled"], error = _DISABLED(body["disabled"])
        if error:
            errors.append(FieldError("disabled", error))
    require_valid(errors)
    return change


def changed(member: dict[str, Any], change: dict[str, Any], now: str) -> dict[str, Any]:
    """The member after a parsed change. Enabling a member who never signed in leaves them
    invited; disabling keeps no memory of which it was (enabled again: active)."""
    after = {**member, **{name: value for name, value in change.items() if name in ("role", "name")}}
    if change.get("disabled") is True:
        after["status"] = "disabled"
    elif change.get("disabled") is False and member["status"] == "disabled":
        after["status"] = "active"
    return after if after == member else {**after, "updated_at": now}


def signed_in(claimed: Principal, member: dict[str, Any] | None) -> Principal:
    """The caller as the directory knows them: 401 for a token whose member was removed or is
    disabled (the change takes effect on their next request, not when the token expires), and
    the role, email and name of the directory, not the token's (perhaps stale) claims (the token's
    name stands in while the directory has none)."""
    if member is None or member.get("removing"):
        raise Unauthorized("You are no longer a member of this workspace; ask an owner or admin.")
    if member["status"] == "disabled":
        raise Unauthorized("Your account in this workspace is disabled; ask an owner or admin.")
    return Principal(tenant=claimed.tenant, user_id=claimed.user_id, role=member["role"],
                     email=member["email"], name=member.get("name") or claimed.name)


def public(member: dict[str, Any]) -> dict[str, Any]:
    """A member as GET /v1/members lists it."""
    return {name: member.get(name) for name in ("id", "email", "name", "role", "status", "created_at")}


def unknown_owner(field: str = "owner_id") -> ValidationFailed:
    return ValidationFailed("The owner must be a member of this workspace, or null for no owner.",
                            [FieldError(field, "is not the id of a member of this workspace", "not_a_member")])

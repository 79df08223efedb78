"""The member directory (GET/POST/PATCH/DELETE /v1/members, GET /v1/me), the member check of
every request, and the operator's tenant creation.

The directory (the table) decides: the member check reads it on every request, so a change takes
effect on the member's next request. Cognito holds the sign-in and a copy of the role and name for
tokens. Each two-sided change is ordered so that a change cut short between its two sides never
lets anyone in who should be out, and the same request sent again finishes it:

- invite: Cognito first (AdminCreateUser gives the member's id, its `sub`), then the member record.
  Cut short between them, the Cognito user of this tenant has no record: the same invitation sent
  again meets UsernameExistsException, finds the user (AdminGetUser) with this tenant's
  `custom:tenant_id` and no record, and writes the record (201). A user of another tenant, or one
  with a record, is a 409.
- change (role, name, disabled): the directory first (it takes effect at once), then Cognito's
  copy (AdminUpdateUserAttributes; AdminDisableUser/AdminEnableUser). Cut short after the
  directory, the same PATCH sent again finds nothing to change there and sends Cognito's side again
  (each call is idempotent); until then only the next token's claims lag, which the member check
  ignores.
- remove: the record is marked `removing` first (the member is gone for every request from then
  on, and the owner count drops in the same transaction), then AdminDeleteUser (a user already
  gone is done), then the job that makes their contacts ownerless, then the record is deleted. A
  DELETE sent again on a member still `removing` continues from Cognito's side.
"""

from __future__ import annotations

from typing import Any, cast

from shared import cognito, cursor, keys
from shared.config import CONFIG
from shared.db import members as repository
from shared.db.transactions import ConditionFailed
from shared.domain import listing, validation
from shared.domain import members as rules
from shared.domain.access import Principal
from shared.errors import Busy, Conflict, FieldError, NotFound, ValidationFailed

ATTEMPTS = 5


def confirmed(claimed: Principal, member: dict[str, Any] | None) -> Principal:
    """The caller as the directory knows them (401 for a removed or disabled member); an invited
    member's first request makes them active."""
    principal = rules.signed_in(claimed, member)
    member = cast(dict[str, Any], member)  # signed_in refused None
    if member["status"] == "invited":
        repository.mark_active(claimed.tenant, member, validation.now())
    return principal


def checked(claimed: Principal) -> Principal:
    """The member check of a request that reads nothing else first: one consistent GetItem."""
    return confirmed(claimed, repository.get(claimed.tenant, claimed.user_id))


def me(claimed: Principal) -> dict[str, Any]:
    """GET /v1/me: the member check and the answer from one BatchGetItem (member and tenant)."""
    member, tenant = repository.get_with_tenant(claimed.tenant, claimed.user_id)
    confirmed(claimed, member)
    member = cast(dict[str, Any], member)  # confirmed refused None
    status = "active" if member["status"] == "invited" else member["status"]
    return {**rules.public(member), "status": status,
            "tenant": {"id": claimed.tenant, "name": tenant["name"] if tenant else None}}


def list_members(principal: Principal, params: dict[str, str]) -> dict[str, Any]:
    """GET /v1/members (any role): a page is one Query; members being removed are left out."""
    limit = listing.parse_limit(params.get("limit"))
    fingerprint = cursor.fingerprint({"members": True})
    start = cursor.decode(CONFIG.cursor_secret, principal.tenant, fingerprint, params["cursor"]) \
        if params.get("cursor") else None
    if start is not None and not isinstance(start, dict):
        raise listing.bad_cursor()
    page = repository.page(principal.tenant, limit, start)
    items, last = page.fit([None if member["removing"] else rules.public(member) for member in page.items])
    return {"items": items,
            "next_cursor": cursor.encode(CONFIG.cursor_secret, principal.tenant, fingerprint, last) if last else None}


def _email_taken(email: str) -> Conflict:
    return Conflict("This email address already belongs to a user (of this or another workspace); invite "
                    "another address.", [FieldError("email", f"{email} is already a user", "duplicate")])


def enroll(tenant: str, email: str, name: str | None, role: str,
           temporary_password: str | None = None) -> tuple[dict[str, Any], bool]:
    """The user in Cognito (who mails the invitation), then their member record, in that order
    (see the module's docstring); (the member, whether this call created them). A user of this
    tenant left without a record by an invitation cut short is finished here; one with a record
    comes back with False; any other existing user is a 409."""
    attributes: dict[str, str] | None
    try:
        attributes = cognito.create_user(email, name, tenant, role, temporary_password)
    except cognito.EmailRefused as refused:
        raise ValidationFailed("The user pool does not take this email address; check it.",
                               [FieldError("email", f"is refused by the user pool: {refused}")]) from None
    except cognito.UserExists:
        attributes = cognito.get_user(email)
        if attributes is None or attributes.get("custom:tenant_id") != tenant:
            raise _email_taken(email) from None
    user_id = attributes["sub"]
    known = repository.get(tenant, user_id)
    if known is not None:
        return known, False
    now = validation.now()
    member = {"id": user_id, "email": email, "name": name, "role": role, "status": "invited", "created_at": now,
              "updated_at": now, "removing": None, "version": None}
    try:
        repository.write(tenant, None, member)
    except ConditionFailed as failure:
        if "owners" in failure.labels:
            raise NotFound(f"No workspace {tenant} exists; create it first (crm admin create-tenant).") from None
        # written meanwhile by the same invitation sent twice
        return cast(dict[str, Any], repository.get(tenant, user_id)), False
    return member, True


def invite(principal: Principal, body: Any) -> dict[str, Any]:
    """POST /v1/members: 201 with status `invited`; 409 when the email is already a user anywhere."""
    rules.require_manager(principal)
    invitation = rules.parse_invitation(body)
    rules.require_may_touch(principal, {}, invitation["role"])
    member, created = enroll(principal.tenant, invitation["email"], invitation["name"], invitation["role"])
    if not created:  # a member of this workspace already
        raise _email_taken(invitation["email"])
    return rules.public(member)


def _target(principal: Principal, member_id: str) -> dict[str, Any]:
    member = repository.get(principal.tenant, member_id) if keys.is_plain_id(member_id) else None
    if member is None:
        raise NotFound(f"No member with id {member_id} exists in this workspace.")
    return member


def _last_owner() -> Conflict:
    return Conflict("This would leave the workspace without an active owner; make another member owner first.")


def change(principal: Principal, member_id: str, body: Any) -> dict[str, Any]:
    """PATCH /v1/members/{id}: the directory first, then Cognito's copy (see the module's docstring)."""
    rules.require_manager(principal)
    wanted = rules.parse_change(body)
    for _ in range(ATTEMPTS):
        member = _target(principal, member_id)
        if member["removing"]:
            raise NotFound(f"No member with id {member_id} exists in this workspace.")
        rules.require_may_touch(principal, member, wanted.get("role"))
        after = rules.changed(member, wanted, validation.now())
        if after == member:
            break
        try:
            repository.write(principal.tenant, member, after)
        except ConditionFailed as failure:
            if "owners" in failure.labels:
                raise _last_owner() from None
            continue  # changed meanwhile: read it again
        member = after
        break
    else:
        raise Busy("This member is being changed by others right now; retry in a moment.")
    if "role" in wanted or "name" in wanted:
        cognito.update_user(member["email"], member["role"], member["name"])
    if "disabled" in wanted:
        cognito.set_enabled(member["email"], member["status"] != "disabled")
    return rules.public(member)


def remove(principal: Principal, member_id: str) -> None:
    """DELETE /v1/members/{id}: marked removing, then Cognito's user deleted, then their contacts
    made ownerless by a job, then the record deleted (see the module's docstring)."""
    from shared.services import bulk  # not at import: every request's member check imports this module

    rules.require_manager(principal)
    member = _target(principal, member_id)
    rules.require_may_touch(principal, member)
    if not member["removing"]:
        removing = {**member, "removing": True, "updated_at": validation.now()}
        try:
            repository.write(principal.tenant, member, removing)
        except ConditionFailed as failure:
            if "owners" in failure.labels:
                raise _last_owner() from None
            raise Busy("This member is being changed by others right now; retry in a moment.") from None
        member = {**removing, "version": member["version"] + 1}
    cognito.delete_user(member["email"])
    bulk.release_contacts_of(principal, member_id)
    try:
        repository.write(principal.tenant, member, None)
    except ConditionFailed:
        pass  # deleted meanwhile by the same DELETE sent twice


def create_tenant(tenant: str, name: str, owner_email: str, owner_name: str | None,
                  temporary_password: str | None = None) -> dict[str, Any]:
    """`crm admin create-tenant`: the tenant's record, then its first owner (as `enroll`); run
    again, it changes nothing and says so."""
    tenant_created = repository.create_tenant(tenant, name, validation.now())
    try:
        member, owner_created = enroll(tenant, owner_email.lower(), owner_name, "owner", temporary_password)
    except Conflict:
        if tenant_created:  # the owner's email is another tenant's user: no tenant without its owner
            repository.delete_empty_tenant(tenant)
        raise
    return {"tenant_created": tenant_created, "owner_created": owner_created, "owner": rules.public(member)}


def seat(tenant: str, user_id: str, email: str, role: str, name: str | None = None) -> dict[str, Any]:
    """The directory's side only, for a user whose Cognito side exists or is not needed (the local
    stack's `crm-local token` users, test and bench seeds): the tenant's record if missing, and
    `user_id` an active member with this role, email and name (changed to them if a member already;
    without a name, a member keeps theirs, as the Cognito side does)."""
    now = validation.now()
    repository.create_tenant(tenant, tenant, now)
    for _ in range(ATTEMPTS):
        before = repository.get(tenant, user_id)
        base = before or {"id": user_id, "created_at": now, "removing": None, "version": None}
        after = {**base, "email": email, "name": base.get("name") if name is None else name, "role": role,
                 "status": "active", "updated_at": now}
        if before is not None and all(before[field] == after[field] for field in ("email", "name", "role", "status")):
            return before
        try:
            repository.write(tenant, before, after)
        except ConditionFailed as failure:
            if "owners" in failure.labels:
                raise _last_owner() from None
            continue
        return after
    raise Busy("This member is being changed by others right now; retry in a moment.")


"""Member groups' logins: a member contact's own email and password for the tenant's member site,
kept in the member pool (a Cognito user pool apart from the team's: shared.cognito).

A manager (or admin, owner) invites a contact of a group: Cognito mails it a temporary password,
its `member_login_status` becomes "invited" and its timeline says so. The member site signs members
in with their email through POST /member-site/{tenant}/sign-in (no CRM token: the member has
none); an invited member answers Cognito's new-password challenge there, and the first sign-in
makes the status "active". Only a contact in at least one member group may sign in."""

from __future__ import annotations

from typing import Any, cast

from shared import cognito, keys
from shared.db import contacts as contact_store
from shared.db import tenant_config
from shared.domain import activities, validation
from shared.domain import contacts as contact_rules
from shared.domain import groups as group_rules
from shared.domain.access import Principal
from shared.domain.ids import new_id
from shared.errors import Conflict, FieldError, NotFound, Unauthorized, ValidationFailed
from shared.services import groups
from shared.services.contacts import until_settled

_REFUSED = "The email address or the password is wrong, or this address has no member login here."


def _group_member(principal: Principal, group_id: str, contact_id: str) -> tuple[dict[str, Any], Any]:
    """(the contact, the tenant config) of a contact of the group the caller manages and sees; 404 otherwise."""
    principal.require_group_manager()
    groups.found(principal, group_id)
    contact, _, config = contact_store.get_with_config(principal.tenant, contact_id) \
        if keys.is_plain_id(contact_id) else (None, None, None)
    # a contact read comes with the config
    if contact is None or not principal.can_see(contact, cast(tenant_config.TenantConfig, config).settings) \
            or group_id not in contact.get("groups", []):
        raise NotFound(f"The contact {contact_id} is not in this member group.")
    return contact, config


def invite(principal: Principal, group_id: str, contact_id: str, body: Any) -> dict[str, Any]:
    """The contact's login created (Cognito mails the invitation) and marked "invited"; 409 when
    it is active already, 422 without an email, 404 when the contact is not in the group."""
    validation.no_fields(body)
    contact, config = _group_member(principal, group_id, contact_id)
    if not contact.get("email"):
        raise ValidationFailed("This contact has no email address; add one before inviting it.",
                               [FieldError("email", "is required to sign in to the member site", "required")])
    if contact.get("member_login_status") == "active":
        raise Conflict("This contact has signed in to the member site already; it needs no invitation.")
    try:
        cognito.invite_member(principal.tenant, contact_id, contact["email"])
    except cognito.UserExists:
        raise Conflict("This contact has signed in to the member site already; it needs no invitation.") from None
    except cognito.EmailRefused as refused:
        raise ValidationFailed("Cognito does not take this email address as a login.",
                               [FieldError("email", str(refused))]) from None
    updated = _mark(principal.tenant, contact_id, "invited", ("user", principal.user_id))
    return contact_rules.public(updated, config.settings, config.properties)


def reset_password(principal: Principal, group_id: str, contact_id: str, body: Any) -> dict[str, Any]:
    """The reset mail (パスワードの再設定メール): the member's password stops working and Cognito mails
    a new temporary one, to be changed on the next sign-in; the status is "invited" again. 409 when
    the contact has no login yet (invite it)."""
    validation.no_fields(body)
    contact, config = _group_member(principal, group_id, contact_id)
    no_login = Conflict("This contact has no member login yet; invite it first.")
    if not contact.get("member_login_status"):
        raise no_login
    try:
        cognito.reset_member_password(principal.tenant, contact_id)
    except cognito.UserNotFound:
        raise no_login from None
    updated = _mark(principal.tenant, contact_id, "invited", ("user", principal.user_id), "member_password_reset")
    return contact_rules.public(updated, config.settings, config.properties)


def sign_in(tenant: str, body: Any) -> dict[str, Any]:
    """Cognito's tokens for the member, or `{"challenge": "NEW_PASSWORD_REQUIRED", "session"}` for an
    invited member's first sign-in; 401 for any refusal, the same whatever was wrong."""
    credentials = group_rules.parse_credentials(body, challenge=False)
    contact = _member(tenant, credentials["email"])
    try:
        answer = cognito.sign_in_member(tenant, contact["id"], credentials["password"])
    except cognito.LoginRefused:
        raise Unauthorized(_REFUSED) from None
    if answer.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
        return {"challenge": "NEW_PASSWORD_REQUIRED", "session": answer["Session"]}
    return _signed_in(tenant, contact, answer)


def set_password(tenant: str, body: Any) -> dict[str, Any]:
    """The invited member's own password (the new-password challenge of `sign_in`), then its tokens."""
    credentials = group_rules.parse_credentials(body, challenge=True)
    contact = _member(tenant, credentials["email"])
    try:
        answer = cognito.set_member_password(tenant, contact["id"], credentials["session"], credentials["new_password"])
    except cognito.PasswordRefused:
        raise ValidationFailed("Some fields are invalid; see details.", [FieldError(
            "new_password", "must be at least 8 characters with lower-case letters and digits")]) from None
    except cognito.LoginRefused:
        raise Unauthorized("The sign-in session is wrong or has expired; sign in again with the temporary "
                           "password.") from None
    return _signed_in(tenant, contact, answer)


def _member(tenant: str, email: str) -> dict[str, Any]:
    """The tenant's contact of this address, if it has a login and is in a member group (401 otherwise)."""
    contact = contact_store.by_emails(tenant, [email], consistent_read=True).get(email) \
        if keys.is_plain_id(tenant) else None
    if contact is None or not contact.get("member_login_status") or not contact.get("groups"):
        raise Unauthorized(_REFUSED)
    return contact


def _signed_in(tenant: str, contact: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    if contact.get("member_login_status") != "active":
        _mark(tenant, contact["id"], "active", ("contact", contact["id"]))
    tokens = answer["AuthenticationResult"]
    return {"id_token": tokens["IdToken"], "access_token": tokens["AccessToken"],
            "refresh_token": tokens.get("RefreshToken"), "expires_in": tokens["ExpiresIn"],
            "contact_id": contact["id"], "groups": list(contact.get("groups", []))}


_ENTRIES = {"member_login_invited": "Invited to the member site",
            "member_login_activated": "Signed in to the member site for the first time",
            "member_password_reset": "Member site password reset: a new temporary password was mailed"}


def _mark(tenant: str, contact_id: str, status: str, actor: tuple[str, str], kind: str | None = None) -> dict[str, Any]:
    """The contact's `member_login_status` set, with its timeline entry (`kind`, by default the
    status's own), in one transaction."""
    kind = kind or {"invited": "member_login_invited", "active": "member_login_activated"}[status]
    summary = _ENTRIES[kind]

    def attempt() -> dict[str, Any]:
        contact, version, config = contact_store.get_with_config(tenant, contact_id)
        if contact is None:
            raise NotFound(f"No contact with id {contact_id} exists (or you may not see it).")
        now = validation.now()
        updated = {**contact, "member_login_status": status, "updated_at": now}
        entry = activities.new_activity(new_id(), kind, now, actor, summary, {"status": status})
        contact_store.save(tenant, updated, config, previous=contact, version=version, activities=[entry])
        return updated

    return until_settled(attempt)

"""The administrator calls on the stack's own user pool (CONFIG.user_pool_id): the directory's
two-sided changes call these after (or before) writing the table, in the order
shared.services.members documents. Users are named by their email: the pool's username
attribute (template.yaml `UsernameAttributes: [email]`), which Cognito resolves to the user.

The function's IAM role allows exactly these actions on this pool (template.yaml, ContactsApiFunction).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from shared.aws import client
from shared.config import CONFIG


class UserExists(Exception):
    """AdminCreateUser refused the email: a user of the pool (of any tenant) has it."""


class EmailRefused(Exception):
    """AdminCreateUser refused the email as a user name (InvalidParameterException): Cognito's
    own rules for an email address are stricter than RFC 5322's."""


def _pool() -> dict[str, str]:
    return {"UserPoolId": CONFIG.user_pool_id}


def _attributes(values: dict[str, str | None]) -> list[dict[str, str]]:
    return [{"Name": name, "Value": value} for name, value in values.items() if value is not None]


def _code(error: Exception) -> str | None:
    return cast("str | None", (getattr(error, "response", None) or {}).get("Error", {}).get("Code"))


def create_user(email: str, name: str | None, tenant: str, role: str,
                temporary_password: str | None = None) -> dict[str, str]:
    """AdminCreateUser: the user in state FORCE_CHANGE_PASSWORD; Cognito mails the invitation with
    a temporary password (its own unless one is given)
    (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUser.html).
    The email is marked verified, so it is the sign-in name and the recovery address at once.
    Returns the user's attributes (`sub` among them); UserExists when the email is taken,
    EmailRefused when Cognito does not take it as a user name."""
    from botocore.exceptions import ClientError

    extra = {"TemporaryPassword": temporary_password} if temporary_password else {}
    try:
        user = client("cognito-idp").admin_create_user(
            **_pool(), Username=email, DesiredDeliveryMediums=["EMAIL"], **extra,
            UserAttributes=_attributes({"email": email, "email_verified": "true", "name": name,
                                        "custom:tenant_id": tenant, "custom:role": role}))["User"]
    except ClientError as error:
        if _code(error) == "UsernameExistsException":
            raise UserExists(email) from None
        if _code(error) == "InvalidParameterException":
            raise EmailRefused(error.response["Error"].get("Message", "")) from None
        raise
    return _flat(user["Attributes"])


def get_user(email: str) -> dict[str, str] | None:
    """AdminGetUser: the user's attributes, or None when there is none
    (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminGetUser.html).
    Used only to finish an invitation cut short after Cognito created the user."""
    from botocore.exceptions import ClientError

    try:
        return _flat(client("cognito-idp").admin_get_user(**_pool(), Username=email)["UserAttributes"])
    except ClientError as error:
        if _code(error) == "UserNotFoundException":
            return None
        raise


def update_user(email: str, role: str, name: str | None) -> None:
    """AdminUpdateUserAttributes: the role and name the user's next tokens carry
    (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminUpdateUserAttributes.html)."""
    _unless_gone(lambda cognito: cognito.admin_update_user_attributes(
        **_pool(), Username=email, UserAttributes=_attributes({"custom:role": role, "name": name})))


def set_enabled(email: str, enabled: bool) -> None:
    """AdminEnableUser / AdminDisableUser: a disabled user cannot sign in or refresh tokens
    (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminDisableUser.html)."""
    _unless_gone(lambda cognito: (cognito.admin_enable_user if enabled else cognito.admin_disable_user)(
        **_pool(), Username=email))


def delete_user(email: str) -> None:
    """AdminDeleteUser
    (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminDeleteUser.html)."""
    _unless_gone(lambda cognito: cognito.admin_delete_user(**_pool(), Username=email))


def _unless_gone(call: Any) -> None:
    """Make an administrator call on a user; a user Cognito no longer has (UserNotFoundException:
    deleted already, or a member seated in the directory only) leaves nothing to do there: the
    directory decides who may call the API."""
    from botocore.exceptions import ClientError

    try:
        call(client("cognito-idp"))
    except ClientError as error:
        if _code(error) != "UserNotFoundException":
            raise


def _flat(attributes: list[dict[str, Any]]) -> dict[str, str]:
    return {attribute["Name"]: attribute["Value"] for attribute in attributes}


# --- member groups' logins: the member pool (CONFIG.member_pool_id) --------------------------
# A login is one contact of one tenant, named `{tenant}#{contact id}` (shared.keys never puts "#"
# in a tenant id), so one address may be a member of several tenants' sites.

class UserNotFound(Exception):
    """The contact has no login in the member pool."""


class LoginRefused(Exception):
    """Cognito refused the sign-in: a wrong password, no such login, an expired or used session."""


class PasswordRefused(Exception):
    """The new password breaks the member pool's policy (InvalidPasswordException)."""


def _member_pool() -> dict[str, str]:
    return {"UserPoolId": CONFIG.member_pool_id}


def member_username(tenant: str, contact_id: str) -> str:
    return f"{tenant}#{contact_id}"


def invite_member(tenant: str, contact_id: str, email: str) -> None:
    """AdminCreateUser in the member pool: Cognito mails the invitation with a temporary password
    (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUser.html).
    A login the contact has already (an invitation cut short after Cognito made it) is sent again
    (MessageAction RESEND: a new temporary password). UserExists when it is active already."""
    from botocore.exceptions import ClientError

    cognito, username = client("cognito-idp"), member_username(tenant, contact_id)
    attributes = _attributes({"email": email, "email_verified": "true", "custom:tenant_id": tenant,
                              "custom:contact_id": contact_id})
    try:
        cognito.admin_create_user(**_member_pool(), Username=username, DesiredDeliveryMediums=["EMAIL"],
                                  UserAttributes=attributes)
    except ClientError as error:
        if _code(error) == "InvalidParameterException":
            raise EmailRefused(error.response["Error"].get("Message", "")) from None
        if _code(error) != "UsernameExistsException":
            raise
        try:  # RESEND works only while the user has not set a password (FORCE_CHANGE_PASSWORD)
            cognito.admin_create_user(**_member_pool(), Username=username, DesiredDeliveryMediums=["EMAIL"],
                                      MessageAction="RESEND")
        except ClientError as resend_error:
            if _code(resend_error) in ("UnsupportedUserStateException", "InvalidParameterException"):
                raise UserExists(username) from None
            raise


def reset_member_password(tenant: str, contact_id: str) -> None:
    """The member's password replaced by a temporary one nobody knows (AdminSetUserPassword,
    Permanent false: the login is back in FORCE_CHANGE_PASSWORD), then the invitation resent with a
    new temporary password (AdminCreateUser RESEND), which the member changes on the next sign-in
    (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminSetUserPassword.html).
    UserNotFound when the contact has no login."""
    import secrets

    from botocore.exceptions import ClientError

    cognito, username = client("cognito-idp"), member_username(tenant, contact_id)
    try:  # the pool's policy: 8+ characters, lower-case letters and digits
        cognito.admin_set_user_password(**_member_pool(), Username=username, Permanent=False,
                                        Password=secrets.token_urlsafe(24) + "a1")
    except ClientError as error:
        if _code(error) == "UserNotFoundException":
            raise UserNotFound(username) from None
        raise
    cognito.admin_create_user(**_member_pool(), Username=username, DesiredDeliveryMediums=["EMAIL"],
                              MessageAction="RESEND")


def sign_in_member(tenant: str, contact_id: str, password: str) -> dict[str, Any]:
    """AdminInitiateAuth (ADMIN_USER_PASSWORD_AUTH) with the member site's app client: Cognito's
    AuthenticationResult, or its NEW_PASSWORD_REQUIRED challenge for an invited member
    (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminInitiateAuth.html)."""
    return _authenticate(lambda cognito: cognito.admin_initiate_auth(
        **_member_pool(), ClientId=CONFIG.member_pool_client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": member_username(tenant, contact_id), "PASSWORD": password}))


def set_member_password(tenant: str, contact_id: str, session: str, new_password: str) -> dict[str, Any]:
    """AdminRespondToAuthChallenge NEW_PASSWORD_REQUIRED: the invited member's own password
    (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminRespondToAuthChallenge.html)."""
    return _authenticate(lambda cognito: cognito.admin_respond_to_auth_challenge(
        **_member_pool(), ClientId=CONFIG.member_pool_client_id, ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=session, ChallengeResponses={"USERNAME": member_username(tenant, contact_id),
                                             "NEW_PASSWORD": new_password}))


def _authenticate(call: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    from botocore.exceptions import ClientError

    try:
        return call(client("cognito-idp"))
    except ClientError as error:
        code = _code(error)
        if code == "InvalidPasswordException":
            raise PasswordRefused() from None
        if code in ("NotAuthorizedException", "UserNotFoundException", "CodeMismatchException",
                    "ExpiredCodeException", "PasswordResetRequiredException", "UserNotConfirmedException"):
            raise LoginRefused(code) from None
        raise

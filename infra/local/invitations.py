"""Cognito's invitation mail, for the embedded emulation: moto's AdminCreateUser neither makes up
a temporary password when none is given nor sends the invitation that Cognito sends
(https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUser.html:
"Cognito generates one for you" and "sends a welcome message"). This replaces moto's
`CognitoIdpBackend.admin_create_user` with one that does both, handing each invitation (the
address, the message in the pool's InviteMessageTemplate) to `LISTENERS`: the local outbox
(infra/local/outbox.py) records it, so an invited member's temporary password is found there.
MessageAction SUPPRESS sends nothing, as in Cognito. MessageAction RESEND: moto replaced the user
with a new one (a new `sub`, the attributes given, none with RESEND) whatever its state; Cognito
resends the invitation "to a user that already exists, and to reset the temporary-password
duration with a new temporary password", keeping the user, and refuses a user who has set a
password (UnsupportedUserStateException). This does the same.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

# (to, subject, the MIME message as sent)
LISTENERS: list[Callable[[str, str, bytes], None]] = []

SENDER = "no-reply@verificationemail.com"  # Cognito's default sender (no SES configuration on the pool)
# Cognito's default invitation, for a pool without InviteMessageTemplate
DEFAULT_TEMPLATE = {"EmailSubject": "Your temporary password",
                    "EmailMessage": "Your username is {username} and temporary password is {####}."}


def temporary_password(length: int = 16) -> str:
    """One that meets template.yaml's password policy (12+ characters, lower, upper, digits), as
    a temporary password must (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-policies.html)."""
    required = [secrets.choice(string.ascii_lowercase), secrets.choice(string.ascii_uppercase),
                secrets.choice(string.digits)]
    chosen = required + [secrets.choice(string.ascii_letters + string.digits) for _ in range(length - 3)]
    secrets.SystemRandom().shuffle(chosen)
    return "".join(chosen)


def invitation(to: str, password: str, template: dict[str, str], username: str | None = None) -> tuple[str, bytes]:
    """The subject and the message Cognito sends: the pool's template (HTML) with its placeholders
    filled in, {username} with the user's name (the address itself in a pool whose user names are
    emails) (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-settings-user-invitation-message-customization.html)."""
    subject = template.get("EmailSubject") or DEFAULT_TEMPLATE["EmailSubject"]
    text = (template.get("EmailMessage") or DEFAULT_TEMPLATE["EmailMessage"])
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = SENDER, to, subject
    message["Date"], message["Message-ID"] = formatdate(usegmt=True), make_msgid(domain="cognito.localhost")
    message.set_content(text.replace("{username}", username or to).replace("{####}", password), subtype="html")
    return subject, message.as_bytes()


def install() -> None:
    """Replace moto's AdminCreateUser (idempotent)."""
    from moto.cognitoidp.models import CognitoIdpBackend

    original = CognitoIdpBackend.admin_create_user
    if getattr(original, "sends_invitations", False):
        return

    def admin_create_user(self: Any, user_pool_id: str, username: str, message_action: str,
                          temporary_password_given: str, attributes: list[dict[str, str]]) -> Any:
        password = temporary_password_given or temporary_password()
        if message_action == "RESEND":
            user = resent(self, user_pool_id, username, password)
            attributes = [{"Name": name, "Value": value} for name, value in user.attribute_lookup.items()]
        else:
            user = original(self, user_pool_id, username, message_action, password, attributes)
        if message_action != "SUPPRESS":
            config = self.describe_user_pool(user_pool_id).extended_config.get("AdminCreateUserConfig") or {}
            address = next((a["Value"] for a in attributes or [] if a["Name"] == "email"), username)
            subject, raw = invitation(address, password, config.get("InviteMessageTemplate") or {}, username)
            for listener in LISTENERS:
                listener(address, subject, raw)
        return user

    def resent(backend: Any, user_pool_id: str, username: str, password: str) -> Any:
        from moto.cognitoidp.exceptions import JsonRESTError
        from moto.cognitoidp.models import UserStatus

        user = backend.admin_get_user(user_pool_id, username)
        if user.status is not UserStatus.FORCE_CHANGE_PASSWORD:
            raise JsonRESTError("UnsupportedUserStateException", "The user is not in a state that can be resent.")
        user.password = password
        return user

    admin_create_user.sends_invitations = True  # type: ignore[attr-defined]
    CognitoIdpBackend.admin_create_user = admin_create_user  # type: ignore[method-assign]

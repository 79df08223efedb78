"""Hand a composed message to its transport: Amazon SES (SESv2, raw MIME, our configuration set
so delivery events flow back) or the sender's own SMTP server (imported only on that path)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import TYPE_CHECKING, Any, cast

from shared.aws import client
from shared.config import CONFIG
from shared.domain import send_limits
from shared.errors import TransportFailed, TransportThrottled

if TYPE_CHECKING:
    from shared.domain.entities import Email, Mailbox

# Called with (email, raw message, provider message id) after each message a transport took.
# Empty in AWS; the local stack's outbox (GET /_local/outbox) listens here.
SENT_LISTENERS: list[Callable[[Email, bytes, str | None], None]] = []
# Every SES send of this process (the sweep's threads, a notification worker's batch) waits its turn.
SES_PACE = send_limits.SendPace(CONFIG.ses_max_send_rate)


def deliver(email: Email, raw: bytes, mailbox: Mailbox | None, tracked: bool = True) -> str | None:
    """Send `raw` to every recipient of `email`, Bcc included; SES's message id (None for SMTP).
    A `tracked` message goes with our configuration set, so its delivery events come back.
    Raises TransportFailed with a reason the sender can act on, or TransportThrottled when SES
    only refused it for now (its sending limits)."""
    if email["transport"] == "smtp":
        recipients = [email["to"], *email.get("cc", []), *email.get("bcc", [])]
        _send_smtp(email["sender_email"], recipients, raw, mailbox)
        provider_message_id = None
    else:
        provider_message_id = _send_ses(email, raw, tracked)
    for listener in SENT_LISTENERS:
        listener(email, raw, provider_message_id)
    return provider_message_id


def notice(recipient: str, subject: str, text: str, mail_id: str) -> None:
    """A plain-text message from the product (NOTIFY_FROM) to a user: an export ready, an email
    opened. Untracked: the workers that send it have no configuration set in AWS, and their roles
    allow SES identities only. Raises TransportFailed or TransportThrottled (the queue then
    delivers it again)."""
    from datetime import datetime

    from shared.domain import mail

    sender_name, _, sender_email = CONFIG.notify_from.rpartition("<")
    from_address = sender_email.rstrip(">").strip() or CONFIG.notify_from
    sender = {"email": from_address, "name": sender_name.strip() or None}
    recipients = mail.Recipients(to=recipient, cc=(), bcc=())
    _, raw = mail.compose(email_id=mail_id, sender=sender, recipients=recipients, subject=subject, body_text=text,
                          body_html=None, sent_at=datetime.now(UTC))
    deliver({"email_id": mail_id, "transport": "ses", "sender_email": from_address, "to": recipient, "cc": [],
             "bcc": []}, raw, None, tracked=False)


def _send_ses(email: Email, raw: bytes, tracked: bool) -> str:
    from botocore.exceptions import BotoCoreError, ClientError

    request: dict[str, Any] = {
        "FromEmailAddress": email["sender_email"],
        "Destination": {"ToAddresses": [email["to"]], "CcAddresses": list(email.get("cc", [])),
                        "BccAddresses": list(email.get("bcc", []))},
        "Content": {"Raw": {"Data": raw}},
    }
    if tracked and CONFIG.ses_configuration_set:
        request["ConfigurationSetName"] = CONFIG.ses_configuration_set
    SES_PACE.wait()
    try:
        return cast(str, client("sesv2").send_email(**request)["MessageId"])
    except ClientError as error:  # a throttled send was retried by botocore already, with backoff
        details = error.response.get("Error", {})
        why = ": ".join(part for part in (details.get("Code"), details.get("Message")) if part) or "no reason given"
        retry_after = send_limits.retry_after(details.get("Code"), details.get("Message"))
        if retry_after is not None:
            SES_PACE.throttled()
            raise TransportThrottled(f"Amazon SES is at the account's sending limit ({why}).", retry_after) from None
        raise TransportFailed(f"Amazon SES refused the message ({why}).") from None
    except BotoCoreError as error:
        raise TransportFailed(f"Amazon SES could not be reached ({type(error).__name__}); try again later.") from None


def _send_smtp(sender: str, recipients: list[str], raw: bytes, mailbox: Mailbox | None) -> None:
    from shared import smtp_transport
    from shared.services import mailboxes

    if mailbox is None:
        raise TransportFailed("Your mailbox settings were removed; set them again (PUT /v1/me/mailbox).")
    smtp_transport.send(mailboxes.settings_of(mailbox), mailboxes.password(mailbox), sender, recipients, raw,
                        allow_private_hosts=CONFIG.allow_private_smtp_hosts, ca_file=CONFIG.smtp_ca_file)

"""Amazon SES as recipients see it, where moto differs.

SES overrides the Message-ID header of every message with its own value
(https://docs.aws.amazon.com/ses/latest/dg/header-fields.html): `<{MessageId}@{domain}>`, the
MessageId SendEmail answered under an amazonses.com domain of the sending region
(`email.amazonses.com` in us-east-1, `{region}.amazonses.com` elsewhere). moto keeps the
message's own Message-ID, so a reply built from a message the local stack sent would name an
id no reply in AWS ever names.
"""

from __future__ import annotations

import re

_MESSAGE_ID_HEADER = re.compile(rb"^message-id[ \t]*:.*(?:\r?\n[ \t].*)*\r?\n", re.IGNORECASE | re.MULTILINE)
_HEADER_END = re.compile(rb"(\r?\n)\r?\n")


def ses_message_id(message_id: str, region: str) -> str:
    """The Message-ID header SES gives the message it answered `message_id` for."""
    domain = "email.amazonses.com" if region == "us-east-1" else f"{region}.amazonses.com"
    return f"<{message_id}@{domain}>"


def as_sent_by_ses(raw: bytes, message_id: str, region: str) -> bytes:
    """`raw` as SES delivers it: its Message-ID header (if any) replaced by SES's, every other
    byte kept."""
    end = _HEADER_END.search(raw)
    split = end.end(1) if end else len(raw)  # just after the last header's line break
    head, body = raw[:split], raw[split:]
    newline = b"\r\n" if b"\r\n" in head else b"\n"
    header = b"Message-ID: " + ses_message_id(message_id, region).encode("ascii") + newline
    head, replaced = _MESSAGE_ID_HEADER.subn(lambda _match: header, head, count=1)
    return head + body if replaced else header + head + body


def replace_message_ids_as_ses_does() -> None:
    """Make moto's SES store each sent message with the Message-ID SES would give it (moto
    keeps the sender's own); SESv2 SendEmail with raw content goes through the same call."""
    from moto.ses.models import SESBackend

    if getattr(SESBackend.send_raw_email, "replaces_message_id", False):
        return
    send_raw_email = SESBackend.send_raw_email

    def send_raw_with_ses_message_id(self: SESBackend, source: str, destinations: list[str], raw_data: str):
        message = send_raw_email(self, source, destinations, raw_data)
        message.raw_data = as_sent_by_ses(raw_data.encode(), message.id, self.region_name).decode()
        return message

    send_raw_with_ses_message_id.replaces_message_id = True
    SESBackend.send_raw_email = send_raw_with_ses_message_id

"""Amazon SES's rules where moto differs.

- SES overrides the Message-ID header of every message with its own value
  (https://docs.aws.amazon.com/ses/latest/dg/header-fields.html): `<{MessageId}@{domain}>`, the
  MessageId SendEmail answered under an amazonses.com domain of the sending region
  (`email.amazonses.com` in us-east-1, `{region}.amazonses.com` elsewhere: the page says only
  that SES uses its own value; these domains are what SES's messages carry, and the product
  recognises any amazonses.com domain, so it does not depend on them). moto keeps the
  message's own Message-ID, so a reply built from a message the local stack sent would name an
  id no reply in AWS ever names.
- SES refuses sends beyond the account's maximum send rate with a throttling error, "Maximum
  sending rate exceeded" (https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas-errors.html);
  moto takes any number a second.
"""

from __future__ import annotations

import os
import re
import threading
import time

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


class _SendRate:
    """The account's maximum send rate as a token bucket: `rate` sends a second, and a second's
    worth (at least one) at once after a pause."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: float | None = None
        self._last = 0.0

    def take(self, rate: float, now: float) -> bool:
        with self._lock:
            burst = max(rate, 1.0)
            tokens = burst if self._tokens is None else min(burst, self._tokens + (now - self._last) * rate)
            self._last = now
            self._tokens = tokens - 1 if tokens >= 1 else tokens
            return tokens >= 1


def max_send_rate() -> float:
    """The emulated account's maximum send rate: the one the stack's functions are told
    (SES_MAX_SEND_RATE), else a new production account's."""
    from shared.domain.send_limits import DEFAULT_MAX_SEND_RATE

    return float(os.environ.get("SES_MAX_SEND_RATE") or DEFAULT_MAX_SEND_RATE)


def throttle_beyond_the_max_send_rate() -> None:
    """Make moto's SESv2 SendEmail answer 429 TooManyRequestsException "Maximum sending rate
    exceeded." to a send beyond the account's rate, taking nothing, as SES does (moto sends
    every one)."""
    from moto.core.exceptions import ServiceException
    from moto.sesv2.models import SESV2Backend

    if getattr(SESV2Backend.send_raw_email, "throttles", False):
        return
    send_raw_email = SESV2Backend.send_raw_email
    rate = _SendRate()

    def send_raw_within_rate(self: SESV2Backend, source: str, destinations: list[str], raw_data: str):
        if not rate.take(max_send_rate(), time.monotonic()):
            raise ServiceException("TooManyRequestsException", "Maximum sending rate exceeded.")
        return send_raw_email(self, source, destinations, raw_data)

    send_raw_within_rate.throttles = True
    SESV2Backend.send_raw_email = send_raw_within_rate

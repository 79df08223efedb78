"""SES mail events, read into one event per recipient, and the delivery status they prove.

SES reports in two shapes: identity notifications (`notificationType`: Bounce, Complaint,
Delivery) and configuration-set event publishing (`eventType`: Send, Delivery, Bounce,
Complaint, Reject, DeliveryDelay, Open, Click, ...), through SNS or EventBridge (where the
same object is the event's `detail`). Pure: no I/O.

Delivery status comes from the evidence, not from `bounceType` alone (seed 002's 配信ステータス):
the DSN status code decides where there is one (5.1.1, 5.1.2, 5.1.10 or a domain that does not
exist: `invalid_address`; another 5.x.x: `error`; 4.x.x: `temporary_error`, so a "Transient"
bounce with a 5.x.x code is permanent); SES's own suppression is `error`; a complaint is `spam`;
a delivery is `normal`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shared.domain import validation

# Event kinds we record; Send, Open, Click (we track those ourselves), Rendering Failure and
# Subscription change nothing here.
DELIVERED, BOUNCED, COMPLAINED, DELAYED, REJECTED = "delivered", "bounced", "complained", "delayed", "rejected"
ACTIVITY_TYPES = {DELIVERED: "email_delivered", BOUNCED: "email_bounced", COMPLAINED: "email_complained",
                  DELAYED: "email_bounced"}
_KINDS = {"delivery": DELIVERED, "bounce": BOUNCED, "complaint": COMPLAINED, "deliverydelay": DELAYED,
          "reject": REJECTED}

# not inside a longer dotted number such as an IP address (10.5.20.7)
_DSN_CODE = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_NO_SUCH_ADDRESS = {"5.1.1", "5.1.2", "5.1.10"}
# A destination domain that does not exist, as MTAs word it in the diagnostic.
_NO_SUCH_DOMAIN = re.compile(
    r"host or domain name not found|domain (?:name )?not found|no such domain|nxdomain|name service error|invalid domain"
    r"|unrouteable (?:mail )?domain|domain does not exist|no mx record", re.IGNORECASE)
_SES_SUPPRESSED = {"Suppressed", "OnAccountSuppressionList"}


@dataclass(frozen=True)
class MailEvent:
    """What happened to our message for one recipient."""

    provider_message_id: str
    recipient: str  # lower-cased
    kind: str
    occurred_at: str
    delivery_status: str | None  # what it proves about the address; None: nothing
    evidence: dict[str, Any] = field(default_factory=dict)


# How long after SES took a message a notification of it may still not find our email: our record
# of the send (written once SES answered) and its copy in the index the lookup reads (GSI4: index
# reads are eventually consistent, https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html)
# may both still be on their way. Shorter than the retries that deliver the notification again:
# SNS to HTTPS, 3 retries 20 s apart by default (https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html);
# EventBridge's asynchronous invocation, 2 retries a minute or more apart
# (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html). So a
# notification for mail we did not send is asked for again at most a few times, then ignored.
RECORDING_SECONDS = 30


def may_not_be_recorded_yet(notification: dict[str, Any], now: datetime) -> bool:
    """Whether the notification's mail (`mail.timestamp`: when SES took it) is so recent that
    our record of it may not be visible yet; False when that time is missing or unreadable."""
    moment, error = validation.timestamp(_object(notification.get("mail")).get("timestamp"))
    if error or not moment:
        return False
    sent = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return now - sent < timedelta(seconds=RECORDING_SECONDS)


class NotAMailEvent(Exception):
    """Not an SES notification we understand (logged and ignored, never retried)."""


# A notification is AWS's, but only what we expect of it is read: a field of another type than
# SES documents (https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html) counts as
# absent, so an unexpected shape is logged and ignored, never a 5xx that SNS delivers again.
MAX_ID_LENGTH = 256  # SES's message ids are about 60 characters; ours go into keys
MAX_ADDRESS_LENGTH = 320


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: Any) -> int | float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _address(value: Any) -> str | None:
    """A recipient's address, lower-cased; None for anything else."""
    if isinstance(value, str) and 0 < len(value) <= MAX_ADDRESS_LENGTH:
        return value.lower()
    return None


def _time(value: Any, fallback: str) -> str:
    moment, error = validation.timestamp(value) if isinstance(value, str) else (None, "missing")
    return moment if not error and moment else fallback


def dsn_code(*texts: Any) -> str | None:
    """The first enhanced status code (RFC 3463, e.g. 5.1.1) in the texts."""
    for text in texts:
        if isinstance(text, str):
            match = _DSN_CODE.search(text)
            if match:
                return ".".join(match.groups())
    return None


def bounce_status(bounce_type: str | None, subtype: str | None, code: str | None, diagnostic: str | None) -> str:
    """The delivery status a bounce of one recipient proves."""
    if subtype in _SES_SUPPRESSED:
        return "error"
    if code and code[0] == "5":
        if code in _NO_SUCH_ADDRESS or _NO_SUCH_DOMAIN.search(diagnostic or ""):
            return "invalid_address"
        return "error"
    if code and code[0] == "4":
        return "temporary_error"
    if bounce_type == "Transient":
        return "temporary_error"
    if bounce_type == "Permanent" and (subtype == "NoEmail" or _NO_SUCH_DOMAIN.search(diagnostic or "")):
        return "invalid_address"
    return "error"  # Permanent (General, ...), Undetermined


def _kind(notification: dict[str, Any]) -> str | None:
    name = notification.get("eventType") or notification.get("notificationType")
    return _KINDS.get(str(name).replace(" ", "").lower()) if name else None


def _recipients(values: Any) -> list[tuple[str, dict[str, Any]]]:
    """(address, entry) of each well-formed entry of a list of recipient objects."""
    found = []
    for entry in values if isinstance(values, list) else []:
        address = _address(_object(entry).get("emailAddress"))
        if address:
            found.append((address, entry))
    return found


def _bounce_events(base: dict[str, Any], bounce: dict[str, Any]) -> list[MailEvent]:
    events = []
    bounce_type, subtype = _text(bounce.get("bounceType")), _text(bounce.get("bounceSubType"))
    for address, recipient in _recipients(bounce.get("bouncedRecipients")):
        diagnostic = _text(recipient.get("diagnosticCode"))
        code = dsn_code(recipient.get("status"), diagnostic)
        evidence = {
            "bounce_type": bounce_type, "bounce_subtype": subtype, "status_code": code,
            "diagnostic_code": diagnostic, "action": _text(recipient.get("action")),
            "reporting_mta": _text(bounce.get("reportingMTA")), "remote_mta_ip": _text(bounce.get("remoteMtaIp")),
            "feedback_id": _text(bounce.get("feedbackId")),
        }
        events.append(MailEvent(**base, recipient=address, kind=BOUNCED,
                                delivery_status=bounce_status(bounce_type, subtype, code, diagnostic),
                                evidence={k: v for k, v in evidence.items() if v is not None}))
    return events


def _addresses(values: Any) -> list[str]:
    found = []
    for value in values if isinstance(values, list) else []:
        address = _address(value.get("emailAddress") if isinstance(value, dict) else value)
        if address:
            found.append(address)
    return found


def read(notification: Any) -> list[MailEvent]:
    """The per-recipient events of one SES notification (identity or event-publishing shape).
    Raises NotAMailEvent for anything else; kinds we do not record give an empty list."""
    if not isinstance(notification, dict) or not isinstance(notification.get("mail"), dict):
        raise NotAMailEvent("no `mail` object: not an SES notification")
    mail_part = notification["mail"]
    message_id = mail_part.get("messageId")
    if not isinstance(message_id, str) or not 0 < len(message_id) <= MAX_ID_LENGTH:
        raise NotAMailEvent("no mail.messageId, or not one SES gives")
    kind = _kind(notification)
    if kind is None:
        return []
    sent_at = _time(mail_part.get("timestamp"), validation.now())
    detail = _object(notification.get({BOUNCED: "bounce", COMPLAINED: "complaint", DELIVERED: "delivery",
                                       DELAYED: "deliveryDelay", REJECTED: "reject"}[kind]))
    base = {"provider_message_id": message_id, "occurred_at": _time(detail.get("timestamp"), sent_at)}
    if kind == BOUNCED:
        return _bounce_events(base, detail)
    if kind == COMPLAINED:
        evidence = {"complaint_type": _text(detail.get("complaintFeedbackType")),
                    "complaint_subtype": _text(detail.get("complaintSubType")),
                    "user_agent": _text(detail.get("userAgent")), "feedback_id": _text(detail.get("feedbackId"))}
        return [MailEvent(**base, recipient=address, kind=COMPLAINED, delivery_status="spam",
                          evidence={k: v for k, v in evidence.items() if v is not None})
                for address in _addresses(detail.get("complainedRecipients"))]
    if kind == DELIVERED:
        evidence = {"smtp_response": _text(detail.get("smtpResponse")), "reporting_mta": _text(detail.get("reportingMTA")),
                    "processing_time_ms": _number(detail.get("processingTimeMillis"))}
        return [MailEvent(**base, recipient=address, kind=DELIVERED, delivery_status="normal",
                          evidence={k: v for k, v in evidence.items() if v is not None})
                for address in _addresses(detail.get("recipients"))]
    if kind == DELAYED:
        events = []
        for address, recipient in _recipients(detail.get("delayedRecipients")):
            evidence = {"delay_type": _text(detail.get("delayType")), "status_code": dsn_code(recipient.get("status")),
                        "diagnostic_code": _text(recipient.get("diagnosticCode")),
                        "reporting_mta": _text(detail.get("reportingMTA")),
                        "expiration_time": _text(detail.get("expirationTime")), "transient": True}
            events.append(MailEvent(**base, recipient=address, kind=DELAYED,
                                    delivery_status="temporary_error",
                                    evidence={k: v for k, v in evidence.items() if v is not None}))
        return events
    # Reject: SES refused the message itself (e.g. a virus): says nothing about the addresses.
    return [MailEvent(**base, recipient=address, kind=REJECTED, delivery_status=None,
                      evidence={"reason": _text(detail.get("reason"))})
            for address in _addresses(mail_part.get("destination"))]


def next_status(current: str | None, current_at: str | None, event: MailEvent) -> str | None:
    """The contact's new delivery status after `event`, or None to leave it.

    A complaint always wins and nothing but a person clears `spam` (a delivery never does).
    Otherwise an event older than the evidence behind the current status changes nothing,
    so events arriving out of order cannot move a contact back.
    """
    if event.delivery_status is None or event.delivery_status == current:
        return None
    if event.delivery_status == "spam":
        return "spam"
    if current == "spam":
        return None
    if current_at and event.occurred_at < current_at:
        return None
    return event.delivery_status


def contact_change(contact: dict[str, Any], event: MailEvent) -> dict[str, Any] | None:
    """The contact fields an event sets: a new status and the time of its evidence, or only
    that time when the event confirms the current status with newer evidence (so an older
    event arriving later cannot overturn it), or None."""
    current, current_at = contact.get("delivery_status"), contact.get("delivery_status_at")
    status = next_status(current, current_at, event)
    if status is not None:
        return {"delivery_status": status, "delivery_status_at": event.occurred_at}
    if event.delivery_status is not None and event.delivery_status == current and (not current_at or event.occurred_at > current_at):
        return {"delivery_status_at": event.occurred_at}
    return None


def summary(event: MailEvent, subject: str) -> str:
    words = {DELIVERED: "Email delivered", BOUNCED: "Email bounced", COMPLAINED: "Marked as spam",
             DELAYED: "Delivery delayed"}
    return f"{words[event.kind]}: {subject}"

"""SES mail events, read into one event per recipient, and the delivery status they prove.

SES reports in two shapes: identity notifications (`notificationType`: Bounce, Complaint,
Delivery) and configuration-set event publishing (`eventType`: Send, Delivery, Bounce,
Complaint, Reject, DeliveryDelay, Open, Click, ...), through SNS or EventBridge (where the
same object is the event's `detail`). Pure: no I/O.

Delivery status comes from the evidence, not from `bounceType` alone (seed 002's 配信ステータス):
the DSN status code decides where it is specific (5.1.1, 5.1.2, 5.1.10 or a domain that does not
exist: `invalid_address`; another 5.x.x: `error`; 4.x.x: `temporary_error`, so a "Transient"
bounce with a 5.x.x code is permanent). Where the code is generic (none, 5.0.0, 5.5.0, ...) the
receiving server's wording decides, as Sisimai classifies real bounce texts: "no such user" is
`invalid_address`, not `error`. A full mailbox is `temporary_error` whatever its class. SES's own
suppression is `error`; a complaint is `spam`; a delivery is `normal`. An automatic reply (out of
office, vacation) that SES reports as a Transient/General bounce is not a bounce: no event.
"""

from __future__ import annotations

import functools
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
# The SMTP reply code of an RFC 3464 "smtp;" diagnostic ("smtp; 550 Unknown user"): its class
# tells permanent from transient where the DSN gives no enhanced code.
_REPLY_CODE = re.compile(r"^\s*smtp\s*;\s*([245])\d\d(?![\d.])", re.IGNORECASE)
_SES_SUPPRESSED = {"Suppressed", "OnAccountSuppressionList"}

# Why a recipient bounced, named after Sisimai's reasons (https://libsisimai.org/en/reason/).
USER_UNKNOWN, HOST_UNKNOWN, MAILBOX_FULL, AUTO_REPLY = "userunknown", "hostunknown", "mailboxfull", "vacation"
# RFC 3463 codes that name the reason themselves (x.2.2 "mailbox full" in either class).
_CODE_REASONS = {"5.1.1": USER_UNKNOWN, "5.1.10": USER_UNKNOWN, "5.1.2": HOST_UNKNOWN,
                 "4.2.2": MAILBOX_FULL, "5.2.2": MAILBOX_FULL}

# The wording of real bounces, case-insensitive, each with where it was seen. Sources: Sisimai's
# reason classes (github.com/sisimai/go-sisimai reason/why-*.go, rhost/for-*.go) and its labelled
# corpus of real DSNs (set-of-emails/maildir/bsd/*.eml); the mail systems' own documentation.
# Our own patterns: no code is copied. One compiled regex per reason.
_WORDING: tuple[tuple[str, str], ...] = (
    # -- full mailbox: temporary_error whatever the code's class
    (MAILBOX_FULL, r"mail ?(?:box|folder) (?:is )?full|full mailbox"),
    # ^ why-mailboxfull.go; Postfix/Exim "Mailbox full"
    (MAILBOX_FULL, r"over (?:the )?(?:allowed |disk |mailbox )?quota|quota (?:exceeded|violation)"
                   r"|exceed\w* (?:its |their |the )?(?:mailbox |storage |disk )?(?:quota|storage allocation)"),
    # ^ why-mailboxfull.go ("user over quota", "mail quota exceeded"); au/EZweb "The user(s) account
    #   is temporarily over quota" (lhost/via-ezweb.go, set-of-emails lhost-ezweb-*.eml)
    (MAILBOX_FULL, r"too much mail data"),  # NTT docomo "552 too much mail data" (rhost/for-nttdocomo.go)
    (MAILBOX_FULL, r"(?:insufficient|not enough) (?:disk|storage) space"),  # why-mailboxfull.go
    # -- the mailbox does not exist: invalid_address when the code says no more than "failed"
    (USER_UNKNOWN, r"\b(?:user|recipient|mailbox|address)(?:name)? (?:is )?unknown\b"),
    # ^ Postfix/au "550 <...>: User unknown" (lhost-postfix-35.eml, rhost-kddi-01.eml, rfc3464-57.eml)
    (USER_UNKNOWN, r"\bunknown (?:user|recipient|mailbox|local[- ]?part|e-?mail address)\b"),
    # ^ NTT docomo "550 Unknown user ...@docomo.ne.jp" with Status 5.0.0 (rhost-nttdocomo-02.eml; through
    #   SES: lhost-amazonses-02.eml); Microsoft "550 5.1.351 ... unknown recipient" (lhost-office365-04.eml)
    (USER_UNKNOWN, r"\bno such (?:user|mailbox|recipient|person|address)\b|\bno mailbox (?:here )?by that name"),
    # ^ why-userunknown.go; qmail "Sorry, no mailbox here by that name"
    (USER_UNKNOWN, r"\b(?:user|recipient|mailbox|account|address)\b[^.;:]{0,60}\b(?:does not|doesn't) exist"),
    # ^ Gmail "The email account that you tried to reach does not exist" (lhost-gmail-*.eml)
    (USER_UNKNOWN, r"\b(?:user|recipient|mailbox) ?not ?found\b"),  # Exchange "RESOLVER.ADR.RecipientNotFound"
    (USER_UNKNOWN, r"\binvalid (?:recipient|mailbox|user)\b"),  # why-userunknown.go
    (USER_UNKNOWN, r"requested action not taken: mailbox unavailable"),
    # ^ Outlook.com's "550 5.5.0 Requested action not taken: mailbox unavailable" (why-userunknown.go)
    (USER_UNKNOWN, r"recipient address rejected: (?:access denied|user unknown|unknown user|invalid user)"),
    # ^ Exchange Online's directory-based edge blocking "550 5.4.1 Recipient address rejected: Access
    #   denied" (https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/fix-error-code-550-5-4-1-in-exchange-online);
    #   Postfix "Recipient address rejected: User unknown in local recipient table"
    # -- the domain does not exist (any 5.x.x code)
    (HOST_UNKNOWN, r"host or domain name not found|domain (?:name )?not found|no such domain|nxdomain"
                   r"|name service error|invalid domain|unrouteable (?:mail )?domain|domain does not exist"
                   r"|no mx record|\bhost unknown\b|\bunknown host\b|domain must exist"),
    # ^ Postfix "Host or domain name not found. Name service error" (why-hostunknown.go); SES's own
    #   "550 5.4.4 Invalid domain"; sendmail "550 Host unknown"
    # -- an automatic reply, not a bounce (only without a failure code)
    (AUTO_REPLY, r"\bi am (?:away|out of the office)\b|\bi will be traveling\b|\bon vacation\b"),
    # ^ why-vacation.go (rfc3834-01.eml, rfc3834-04.eml)
    (AUTO_REPLY, r"^\s*(?:automatic reply|auto[- ]?reply|auto response|out of (?:the )?office)\s*:"
                 r"|自動応答|自動返信|不在"),
    # ^ the subject prefixes of RFC 3834 auto-responders (rfc3834/lib.go; Exchange "Automatic reply:",
    #   rfc3834-02.eml; iCloud "Auto reply:", rfc3834-03.eml); Japanese Outlook's 「自動応答:」 and
    #   「不在」 notices (named by issue 17; no public sample found)
)
# Our own address refused ("Sender address rejected: Domain not found", RFC 3463 x.1.7, x.1.8):
# says nothing about the recipient's.
_ABOUT_THE_SENDER = re.compile(r"\bsender\b[^.;]{0,40}\b(?:rejected|not found|unknown|does not exist)", re.IGNORECASE)
_SENDER_CODES = {"4.1.7", "4.1.8", "5.1.7", "5.1.8"}
@functools.cache
def _reason_pattern(reason: str) -> re.Pattern[str]:
    """One reason's wording as a pattern, compiled on first use: the table is large, and a cold
    start that meets no bounce (most of mail_events' invocations) should not pay for it."""
    return re.compile("|".join(f"(?:{fragment})" for name, fragment in _WORDING if name == reason),
                      re.IGNORECASE | re.MULTILINE)


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


def _text_decides(code: str | None) -> bool:
    """Whether a code says no more than "failed", so that the text must tell why: none, x.0.0,
    x.1.0, x.3.0, x.5.0 (Outlook.com's "5.5.0 ... mailbox unavailable"), an address status
    outside RFC 3463 (Microsoft's 5.1.351), and 5.4.1 (Exchange Online's "Access denied" for a
    recipient not in its directory)."""
    if code is None:
        return True
    _, subject, detail = code.split(".")
    return (detail == "0" and subject in ("0", "1", "3", "5")) or (subject == "1" and int(detail) > 10) \
        or code == "5.4.1"


def bounce_reason(code: str | None, diagnostic: str | None) -> str | None:
    """Why one recipient bounced (MAILBOX_FULL, USER_UNKNOWN, HOST_UNKNOWN, AUTO_REPLY) where the
    code or the text says so, else None."""
    text = diagnostic or ""
    if code in _CODE_REASONS and _CODE_REASONS[code] == MAILBOX_FULL or _reason_pattern(MAILBOX_FULL).search(text):
        return MAILBOX_FULL
    if code in _CODE_REASONS:
        return _CODE_REASONS[code]
    if code in _SENDER_CODES or _ABOUT_THE_SENDER.search(text):
        return None
    if _reason_pattern(HOST_UNKNOWN).search(text):
        return HOST_UNKNOWN
    if _text_decides(code) and _reason_pattern(USER_UNKNOWN).search(text):
        return USER_UNKNOWN
    if code is None and _reason_pattern(AUTO_REPLY).search(text):
        return AUTO_REPLY
    return None


def _severity(code: str | None, diagnostic: str | None) -> str | None:
    """"5" permanent, "4" transient: the enhanced code's class, else the SMTP reply code's."""
    if code:
        return code[0]
    match = _REPLY_CODE.match(diagnostic or "")
    return match.group(1) if match else None


def is_auto_reply(bounce_type: str | None, subtype: str | None, recipient: dict[str, Any]) -> bool:
    """Whether SES reported an automatic reply as a bounce of this recipient: a Transient/General
    bounce without a DSN (what SES sends for out-of-office replies and for its simulator's
    ooto@simulator.amazonses.com: "Transient / General" in
    https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html#bounce-types, the
    simulator in https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html; status
    and diagnosticCode appear only when a DSN was attached,
    https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_Bounce.html), or a text that reads
    as an auto-reply and names no failure."""
    status, diagnostic = _text(recipient.get("status")), _text(recipient.get("diagnosticCode"))
    if bounce_type == "Transient" and subtype == "General" and not status and not diagnostic:
        return True
    code = dsn_code(status, diagnostic)
    return _severity(code, diagnostic) is None and bounce_reason(code, diagnostic) == AUTO_REPLY


def bounce_status(bounce_type: str | None, subtype: str | None, code: str | None, diagnostic: str | None) -> str:
    """The delivery status a bounce of one recipient proves."""
    if subtype in _SES_SUPPRESSED:
        return "error"
    reason = bounce_reason(code, diagnostic)
    if reason == MAILBOX_FULL or subtype == "MailboxFull":
        return "temporary_error"
    severity = _severity(code, diagnostic)
    if severity == "4" or (severity is None and bounce_type == "Transient"):
        return "temporary_error"
    if severity is None and bounce_type != "Permanent":
        return "error"  # Undetermined: not proven permanent
    if reason in (USER_UNKNOWN, HOST_UNKNOWN) or (subtype == "NoEmail" and _text_decides(code)):
        return "invalid_address"
    return "error"  # Permanent (General, ...), another 5.x.x


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
        if is_auto_reply(bounce_type, subtype, recipient):
            continue  # not a bounce: changes no status, no timeline entry
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
        evidence: dict[str, Any] = {"complaint_type": _text(detail.get("complaintFeedbackType")),
                    "complaint_subtype": _text(detail.get("complaintSubType")),
                    "user_agent": _text(detail.get("userAgent")), "feedback_id": _text(detail.get("feedbackId"))}
        return [MailEvent(**base, recipient=address, kind=COMPLAINED, delivery_status="spam",
                          evidence={k: v for k, v in evidence.items() if v is not None})
                for address in _addresses(detail.get("complainedRecipients"))]
    if kind == DELIVERED:
        evidence = {"smtp_response": _text(detail.get("smtpResponse")),
                    "reporting_mta": _text(detail.get("reportingMTA")),
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
    if event.delivery_status is not None and event.delivery_status == current \
            and (not current_at or event.occurred_at > current_at):
        return {"delivery_status_at": event.occurred_at}
    return None


def summary(event: MailEvent, subject: str) -> str:
    words = {DELIVERED: "Email delivered", BOUNCED: "Email bounced", COMPLAINED: "Marked as spam",
             DELAYED: "Delivery delayed"}
    return f"{words[event.kind]}: {subject}"

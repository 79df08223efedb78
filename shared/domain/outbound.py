"""One-to-one email as the API sees it: the body of POST /v1/emails (and /preview), parsed and
checked; the stored email, its folders and index keys; the message as it goes out."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from shared import indexes, keys
from shared.domain import activities, contacts, fields, mail, mail_html, safe_html, tracking, validation
from shared.domain.lifecycle import sent_at
from shared.errors import FieldError, PayloadTooLarge, require_valid

if TYPE_CHECKING:
    from shared.domain.entities import Email

TRANSPORTS = ("ses", "smtp")
MAX_SCHEDULE_AHEAD = timedelta(days=365)
# Refused for every kind of mail: the address is known bad or the recipient complained.
SUPPRESSED_DELIVERY = frozenset({"invalid_address", "error", "spam"})
TEMPLATE_FIELDS = ("subject", "body_text", "body_html")  # what a template gives an email the request leaves out


@dataclass(frozen=True)
class EmailRequest:
    contact_id: str | None  # None: `to_email` names the recipient (a contact made first if none has it)
    cc: Any
    bcc: Any
    subject: Any
    body_text: Any
    body_html: Any
    track_opens: bool = True
    track_clicks: bool = True
    send_at: str | None = None
    transport: str = "ses"
    in_reply_to: str | None = None
    to_email: str | None = None
    template_id: str | None = None
    notify_on_open: bool = False
    notify_on_click: bool = False


def _date_time(value: Any) -> validation.Result:
    """A time to send: validation.timestamp's date-time, not a date alone."""
    if not isinstance(value, str) or "T" not in value:
        return None, "must be an ISO 8601 time such as 2026-12-01T09:00:00+09:00"
    return validation.timestamp(value)


def _time_to_send(description: str, *, nullable: bool) -> fields.Field:
    """`send_at` (checked by _send_at: its check, then to come and within a year)."""
    return fields.Field(_date_time, {"type": "string", "format": "date-time"}, description, nullable=nullable)


EMAIL_RESCHEDULE = fields.Body("EmailReschedule", "email", {"send_at": _time_to_send(
    "The new time to send: an ISO 8601 date-time (a time without offset is UTC; a date alone is refused), in the "
    "future and at most a year ahead.", nullable=False)}, required=("send_at",),
    description="`send_at` alone: a body without it, or with another field, is a 422 naming `send_at`.")


def _send_at(value: Any, now: datetime, errors: list[FieldError]) -> str | None:
    if value is None:
        return None
    moment, error = _date_time(value)
    if error:
        errors.append(FieldError("send_at", error))
        return None
    when = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if when <= now:
        errors.append(FieldError("send_at", "is in the past; choose a time to come or null to send now", "past"))
    elif when - now > MAX_SCHEDULE_AHEAD:
        errors.append(FieldError("send_at", "must be at most a year ahead", "too_far"))
    return cast(str, moment)


def parse_send_at(value: Any, now: datetime) -> str:
    """The new `send_at` of PATCH /v1/emails/{id} (EMAIL_RESCHEDULE): required, to come, within a year."""
    errors: list[FieldError] = []
    moment = _send_at(value, now, errors)
    if value is None:
        errors.append(FieldError("send_at", "is required: the new time to send", "required"))
    require_valid(errors)
    return cast(str, moment)  # a time: require_valid raised otherwise


def _contact_id(value: Any) -> validation.Result:
    if not isinstance(value, str) or not value:
        return None, "is required: the id of the contact to write to (or to_email: an address, for a new contact)"
    return value, None


def _template_id(value: Any) -> validation.Result:
    """A template's id as it can be (whether there is one is looked up when the email is written)."""
    if not isinstance(value, str) or not keys.is_plain_id(value):
        return None, "is not the id of one of your templates"
    return value, None


def _email_id(value: Any) -> validation.Result:
    return (value, None) if isinstance(value, str) and value else (None, "must be the id of an email, or null")


_TEMPLATE_GIVES = "Taken from the template when omitted or null and `template_id` is given."
_ADDRESSES = {"type": "array", "maxItems": mail.MAX_RECIPIENTS - 1, "nullable": True,
              "items": {"type": "string", "format": "email", "maxLength": validation.MAX_EMAIL_LENGTH}}
# The fields checked here, in the order their errors are listed; an omitted one takes its schema's
# default. `contact_id` and `to_email` are one or the other (parse_request).
_CHECKED: dict[str, fields.Field] = {
    "contact_id": fields.Field(_contact_id, {"type": "string", "minLength": 1}, "The contact to write to."),
    "to_email": fields.email("Instead of `contact_id`: the address to write to. The contact that has it is used; "
                             "when none has it, a contact owned by the sender is created with the email (only when "
                             "the email is accepted).", clears="`null` is none."),
    "template_id": fields.Field(_template_id, {"type": "string", "minLength": 1, "maxLength": keys.MAX_ID_LENGTH},
                                "An email template (GET /v1/email-templates) giving the subject and bodies the "
                                "request leaves out; an unknown id is a 422."),
    "transport": fields.choice(TRANSPORTS, "ses", "`ses` sends through Amazon SES; `smtp` through your own mailbox "
                                                  "(PUT /v1/me/mailbox)."),
    "in_reply_to": fields.Field(_email_id, {"type": "string", "minLength": 1},
                                "The id of the email this one replies to."),
    "track_opens": fields.boolean(True, "Whether the email's opens are tracked."),
    "track_clicks": fields.boolean(True, "Whether the clicks on the email's links are tracked."),
    "send_at": _time_to_send("Schedule the email: in the future and at most a year ahead (else 422).", nullable=True),
    "notify_on_open": fields.boolean(False, "Notify the sender at the email's first human open."),
    "notify_on_click": fields.boolean(False, "Notify the sender at the email's first human click."),
}
EMAIL_REQUEST = fields.Body("EmailRequest", "email", {**_CHECKED, **{
    # checked when rendered (shared.domain.mail), where the contact and merge fields are known
    "cc": _ADDRESSES,
    "bcc": _ADDRESSES,
    "subject": {"type": "string", "nullable": True, "description": "One line after rendering: a line break or control "
                                                                   f"character is a 422. {_TEMPLATE_GIVES}"},
    "body_text": {"type": "string", "nullable": True, "description": _TEMPLATE_GIVES},
    "body_html": {"type": "string", "nullable": True, "description": _TEMPLATE_GIVES},
}}, description="The body of POST /v1/emails and POST /v1/emails/preview. Exactly one of `contact_id` and "
                "`to_email` is required (a preview takes `contact_id` only). Subject, body_text and body_html may "
                "hold merge fields {{contact.FIELD}}, {{contact.properties.KEY}}, {{sender.name}} and "
                "{{sender.email}}; an unknown one, or one whose value is empty, is a 422 naming the field. A subject "
                "and at least one body are required, given or taken from the template.",
    example={"contact_id": "01HZY3Q2N0W3J8V9T6K4R5M7PB", "subject": "{{contact.family_name}}様 ご提案",
             "body_text": "{{contact.display_name}}様\n\nお世話になっております。{{sender.name}}です。"})


def _checked(body: dict[str, Any], name: str, errors: list[FieldError], code: str = "invalid") -> Any:
    return _CHECKED[name].read(body, name, errors, code)


def parse_request(body: Any, now: datetime) -> EmailRequest:
    """The checked request (EMAIL_REQUEST); raises ValidationFailed naming every wrong field. Subject,
    bodies and cc/bcc are checked when rendered (shared.domain.mail), where merge fields are known."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")], "The request body must be a JSON object.")
    errors = EMAIL_REQUEST.unknown(body)
    contact_id, to_email = body.get("contact_id"), body.get("to_email")
    if contact_id is not None and to_email is not None:
        errors.append(FieldError("to_email", "give either contact_id or to_email, not both"))
    elif to_email is not None:
        to_email = _checked(body, "to_email", errors)
        if to_email is None and not any(error.field == "to_email" for error in errors):  # "" names nobody
            errors.append(FieldError("to_email", "must not be empty: the address to write to", "required"))
    else:  # then a contact_id is required, null refused too
        _, error = _CHECKED["contact_id"](contact_id)
        if error:
            errors.append(FieldError("contact_id", error, "required"))
    request = EmailRequest(
        contact_id=contact_id, to_email=to_email, cc=body.get("cc"), bcc=body.get("bcc"), subject=body.get("subject"),
        body_text=body.get("body_text"), body_html=body.get("body_html"),
        template_id=_checked(body, "template_id", errors, "not_found"),
        transport=_checked(body, "transport", errors),
        in_reply_to=_checked(body, "in_reply_to", errors),
        track_opens=_checked(body, "track_opens", errors),
        track_clicks=_checked(body, "track_clicks", errors),
        send_at=_send_at(body.get("send_at"), now, errors),
        notify_on_open=_checked(body, "notify_on_open", errors),
        notify_on_click=_checked(body, "notify_on_click", errors),
    )
    require_valid(errors)
    return request


# --- the stored email ------------------------------------------------------------------------

FOLDERS = ("sent", "received", "scheduled")
STATUSES = ("scheduled", "sending", "sent", "failed", "cancelled", "received")
# A cancelled email is in no folder (GET still answers it); a failed one stays in "sent".
_FOLDER_OF_STATUS = {"scheduled": "scheduled", "sending": "sent", "sent": "sent", "failed": "sent",
                     "received": "received"}
MAX_BODY_BYTES = 256 * 1024  # subject and both bodies: far under DynamoDB's 400 KB per item


def tracked_links(body_html: str | None, track_clicks: bool) -> list[str]:
    """The URLs a click token's link index points into, in the order rewrite_links numbers them."""
    if not body_html or not track_clicks:
        return []
    return mail_html.rewrite_links(body_html, lambda url, index: url)[1]


def check_size(rendered: mail.RenderedEmail) -> None:
    size = sum(len(part.encode()) for part in (rendered.subject, rendered.body_text, rendered.body_html or ""))
    if size > MAX_BODY_BYTES:
        raise PayloadTooLarge(
            f"The email is {size:,} bytes after merging; at most {MAX_BODY_BYTES:,} bytes of subject and bodies "
            "can be sent. Link to large content instead of embedding it.",
        )


def new_email(
    *, email_id: str, contact_id: str, request: EmailRequest, recipients: mail.Recipients, rendered: mail.RenderedEmail,
    sender: dict[str, Any], parent: Email | None, now: str, identify_clicks: bool = False,
    bulk_job_id: str | None = None,
) -> Email:
    """The email as stored when it is accepted: rendered content, `scheduled` or `sending`.

    Its Message-ID is fixed now (`<id@sender's domain>`, as compose() writes it), so a reply can
    reference a scheduled email. A reply joins its parent's thread.
    """
    sender_email = sender["email"]
    return {
        "email_id": email_id,
        "contact_id": contact_id,  # the request's, or the contact its to_email found or made
        "sender_id": sender["id"],
        "sender_name": sender.get("name"),
        "sender_email": sender_email,
        "to": recipients.to,
        "cc": list(recipients.cc),
        "bcc": list(recipients.bcc),
        "subject": rendered.subject,
        "body_text": rendered.body_text,
        "body_html": rendered.body_html,
        "links": tracked_links(rendered.body_html, request.track_clicks),
        "track_opens": request.track_opens,
        "track_clicks": request.track_clicks,
        # the tenant's identify_visitors_from_email_clicks when it was written
        "identify_clicks": identify_clicks,
        "template_id": request.template_id,
        "bulk_job_id": bulk_job_id,
        "notify_on_open": request.notify_on_open,
        "notify_on_click": request.notify_on_click,
        "transport": request.transport,
        "status": "scheduled" if request.send_at else "sending",
        "send_at": request.send_at,
        "created_at": now,
        "updated_at": now,
        "message_id": f"<{email_id}@{sender_email.rpartition('@')[2].lower()}>",
        "in_reply_to": parent["email_id"] if parent else None,
        "references": [*parent.get("references", []), parent["message_id"]] if parent else [],
        "thread_id": parent["thread_id"] if parent else email_id,
    }


def folder_of(status: str) -> str | None:
    return _FOLDER_OF_STATUS.get(status)


def index_keys(tenant: str, email: Email) -> dict[str, str | None]:
    """GSI keys of an email: its folder (all, and the sender's own), its thread, its SES
    message id once sent, and the due index while it is scheduled (by send time) or being sent
    (by when that began, so the sweep finds a send that never finished)."""
    folder = folder_of(email["status"])
    # a scheduled email has its send_at (parse_send_at, reschedule)
    moment = cast(str, email["send_at"]) if folder == "scheduled" else email.get("sent_at") or email["created_at"]
    in_folder = folder is not None
    pending = {"scheduled": (keys.DUE_PK, cast(str, email["send_at"])),
               "sending": (keys.SENDING_PK, email["updated_at"])}.get(email["status"])
    provider_id = email.get("provider_message_id")
    return {
        **keys.index_entry(indexes.MAIL_FOLDER,
                           keys.mail_folder_pk(tenant, folder) if folder is not None else None,
                           keys.timed_sk(moment, email["email_id"]) if in_folder else None),
        **keys.index_entry(indexes.SENDER_MAIL_FOLDER,
                           keys.mail_folder_pk(tenant, folder, email["sender_id"]) if folder is not None else None,
                           keys.timed_sk(moment, email["email_id"]) if in_folder else None),
        **keys.index_entry(indexes.EMAIL_THREAD, keys.thread_pk(tenant, email["thread_id"]),
                           keys.timed_sk(email["created_at"], email["email_id"])),
        **keys.index_entry(indexes.EMAIL_BY_PROVIDER_MESSAGE_ID,
                           keys.provider_message_pk(provider_id) if provider_id else None,
                           keys.EMAIL_SK if provider_id else None),
        **keys.index_entry(indexes.EMAILS_DUE, pending[0] if pending else None,
                           keys.pending_sk(pending[1], tenant, email["email_id"]) if pending else None),
        **keys.index_entry(indexes.EMAIL_BY_ID, keys.email_id_pk(email["email_id"]), keys.EMAIL_SK),
    }


def public(email: Email) -> dict[str, Any]:
    """The email as the API answers it."""
    return {
        "id": email["email_id"],
        "contact_id": email["contact_id"],
        "status": email["status"],
        "failure_reason": email.get("failure_reason"),
        "message_id": email["message_id"],
        "provider_message_id": email.get("provider_message_id"),
        "transport": email["transport"],
        "source": email.get("source") or ("inbound" if email["transport"] == "inbound" else "crm"),
        "from": {"id": None if email["status"] == "received" else email["sender_id"], "name": email.get("sender_name"),
                 "email": email["sender_email"]},
        "to": email["to"],
        "cc": list(email.get("cc") or []),
        "bcc": list(email.get("bcc") or []),
        "subject": email["subject"],
        "body_text": email["body_text"],
        "body_html": email.get("body_html"),
        "body_html_safe": safe_html.sanitised(email.get("body_html")),
        "track_opens": email["track_opens"],
        "track_clicks": email["track_clicks"],
        "template_id": email.get("template_id"),
        "notify_on_open": bool(email.get("notify_on_open")),
        "notify_on_click": bool(email.get("notify_on_click")),
        "send_at": email.get("send_at"),
        "sent_at": email.get("sent_at"),
        "created_at": email["created_at"],
        "updated_at": email["updated_at"],
        "in_reply_to": email.get("in_reply_to"),
        "thread_id": email["thread_id"],
        "open_count": int(email.get("open_count") or 0),
        "machine_open_count": int(email.get("machine_open_count") or 0),
        "click_count": int(email.get("click_count") or 0),
        "machine_click_count": int(email.get("machine_click_count") or 0),
        "opened_at": email.get("opened_at"),
        "clicked_at": email.get("clicked_at"),
        "delivery_state": email.get("delivery_state"),
        "recipient_states": dict(email.get("recipient_states") or {}),
    }


def tracking_url(base_url: str, kind: str, token: str) -> str:
    return f"{base_url}/t/{kind}/{token}"


def unsubscribe_headers(tenant: str, email: Email, keyring: tracking.Keyring,
                        base_url: str) -> dict[str, str] | None:
    """RFC 8058 one-click unsubscribe headers for mail to a selection (an email of a bulk job):
    an HTTPS URL in List-Unsubscribe and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`,
    which Gmail and Yahoo require of bulk senders
    (https://www.rfc-editor.org/rfc/rfc8058#section-3.1, https://support.google.com/mail/answer/81126).
    Its signed token names the tenant and the contact. None for one-to-one mail."""
    if not email.get("bulk_job_id"):
        return None
    token = tracking.sign(keyring, tracking.KIND_UNSUBSCRIBE, tenant, email["contact_id"])
    return {"List-Unsubscribe": f"<{tracking_url(base_url, tracking.KIND_UNSUBSCRIBE, token)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def build_message(
    tenant: str, email: Email, keyring: tracking.Keyring, base_url: str, sent_at: datetime
) -> bytes:
    """The MIME message of a stored email as it goes out now: with its links pointing at signed
    click tokens and an open pixel when tracking is on (HTML only: plain text has no pixel, and
    its URLs are left as written so they stay readable); mail to a selection with its
    unsubscribe headers."""
    body_html = email.get("body_html")
    if body_html and email["track_clicks"]:
        def click_url(_url: str, index: int) -> str:
            return tracking_url(base_url, tracking.KIND_CLICK,
                                tracking.sign(keyring, tracking.KIND_CLICK, tenant, email["email_id"], index))
        body_html, _ = mail_html.rewrite_links(body_html, click_url)
    if body_html and email["track_opens"]:
        token = tracking.sign(keyring, tracking.KIND_OPEN, tenant, email["email_id"])
        body_html = mail_html.add_open_pixel(body_html, tracking_url(base_url, tracking.KIND_OPEN, token))
    _, raw = mail.compose(
        extra_headers=unsubscribe_headers(tenant, email, keyring, base_url),
        email_id=email["email_id"],
        sender={"name": email.get("sender_name"), "email": email["sender_email"]},
        recipients=mail.Recipients(email["to"], tuple(email.get("cc") or ()), tuple(email.get("bcc") or ())),
        subject=email["subject"], body_text=email["body_text"], body_html=body_html, sent_at=sent_at,
        parent_message_id=email["references"][-1] if email.get("references") else None,
        parent_references=email["references"][:-1] if email.get("references") else None,
    )
    return raw


# --- received mail ---------------------------------------------------------------------------

RECEIVED_BODY_BYTES = 150 * 1024  # each body of a received email, so the item stays under 400 KB


def _clip(text: str | None, limit: int = RECEIVED_BODY_BYTES) -> str | None:
    if text is None or len(text.encode()) <= limit:
        return text
    return text.encode()[:limit].decode(errors="ignore") + "\n[…]"


INBOUND, MAILBOX = "inbound", "mailbox"  # the `source` of a filed message: SES inbound, or a mailbox sync


def received_email(
    *, email_id: str, message: Any, contact: dict[str, Any] | None, parent: Email | None, now: str,
    source: str = INBOUND,
) -> Email:
    """A received message (shared.domain.inbound.InboundMessage) as an email of the `received`
    folder: from its sender, threaded under `parent` when its references name one of ours.
    `sender_id` is the user it is for (the contact's owner; empty when unmatched), so owner
    visibility shows a rep the replies of their contacts."""
    return _filed(email_id, message, contact, parent, now, status="received", source=source,
                  sender_id=(contact or {}).get("owner_id") or "", to=message.to[0] if message.to else "")


def outgoing_email(
    *, email_id: str, message: Any, contact: dict[str, Any] | None, parent: Email | None,
    sender_id: str, now: str, source: str = INBOUND,
) -> Email:
    """A message a user of the tenant sent from their own mail client (and Bcc'd or forwarded to
    the tenant's inbound address) as an email of the `sent` folder: from that user, to the
    contact it went to (else its first recipient)."""
    to = (contact or {}).get("email") or (message.to[0] if message.to else "")
    return _filed(email_id, message, contact, parent, now, status="sent", sender_id=sender_id, to=to, source=source)


def _filed(
    email_id: str, message: Any, contact: dict[str, Any] | None, parent: Email | None, now: str, *,
    status: str, sender_id: str, to: str, source: str,
) -> Email:
    return {
        "email_id": email_id,
        "contact_id": contact["id"] if contact else "",
        "sender_id": sender_id,
        "sender_name": message.from_name,
        "sender_email": message.from_address or "",
        "to": to,
        "cc": list(message.cc),
        "bcc": [],
        "subject": message.subject,
        "body_text": _clip(message.body_text) or "",
        "body_html": _clip(message.body_html),
        "links": [],
        "track_opens": False,
        "track_clicks": False,
        "transport": "inbound",
        "source": source,
        "status": status,
        "send_at": None,
        "created_at": now,
        "updated_at": now,
        "sent_at": min(message.date or now, now),  # a Date ahead of the clock moves no contact's times ahead
        "message_id": message.message_id or f"<{email_id}@received.invalid>",
        "in_reply_to": parent["email_id"] if parent else None,
        "references": list(message.references),
        "thread_id": parent["thread_id"] if parent else email_id,
    }


def reached(sent: Email, contact: dict[str, Any],
            new_id: Callable[[], str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The timeline entries and the contact after a user's email reached it: `email_sent`,
    first/last_contacted_at, one more `emails_sent_count`, and the sender as owner of an
    ownerless contact (`owner_assigned`)."""
    entries = [activities.email_sent(new_id(), sent)]
    moment = sent_at(sent)
    updated, assigned = contacts.record_contacted(contacts.record_email_sent(contact), sent["sender_id"], moment,
                                                  moment)
    if assigned:
        entries.append(activities.owner_assigned(new_id(), moment, sent["sender_id"], sent["sender_id"],
                                                 "first_email"))
    return entries, updated


# SES replaces the Message-ID of every message it sends with its own, built from the MessageId
# SendEmail answered (our `provider_message_id`) under an amazonses.com domain of the sending
# region (`<{MessageId}@email.amazonses.com>` in us-east-1, `@{region}.amazonses.com` elsewhere):
# https://docs.aws.amazon.com/ses/latest/dg/header-fields.html ("If you provide a Message-ID
# header, Amazon SES overrides the header with its own value."). A reply to a message we sent
# through SES names that id, never ours. The page does not name the domains, so any
# amazonses.com domain is taken.
SES_MESSAGE_ID_DOMAIN = "amazonses.com"
OUR_EMAIL, SES_MESSAGE = "email", "ses"


def _ours(tokens: list[str]) -> list[tuple[str, str]]:
    """The Message-ID tokens that name a message of ours, each once, in order: (OUR_EMAIL,
    email id) for our own `<email id@domain>`, (SES_MESSAGE, provider message id) for the
    Message-ID SES gave a message it sent for us."""
    found: list[tuple[str, str]] = []
    for token in tokens:
        local, _, domain = token.strip("<>").rpartition("@")
        domain = domain.lower()
        if _OUR_ID.fullmatch(local):
            reference = (OUR_EMAIL, local)
        elif (domain == SES_MESSAGE_ID_DOMAIN or domain.endswith("." + SES_MESSAGE_ID_DOMAIN)) \
                and _SES_ID.fullmatch(local):
            reference = (SES_MESSAGE, local)
        else:
            continue
        if reference not in found:
            found.append(reference)
    return found


def referenced_messages(message: Any, limit: int = 10) -> list[tuple[str, str]]:
    """The messages of ours a received message answers, In-Reply-To first, then References from
    the newest (as `_ours` names them)."""
    return _ours([*message.in_reply_to, *reversed(message.references)])[:limit]


def sent_by_us(message: Any) -> list[tuple[str, str]]:
    """The message itself as one of ours (as `_ours` names it) when its own Message-ID is one we
    gave it: mail the CRM sent, met again in a synced mailbox."""
    return _ours([message.message_id] if message.message_id else [])


_OUR_ID = re.compile(r"[0-7][0-9A-HJKMNP-TV-Z]{25}")
_SES_ID = re.compile(r"[0-9A-Za-z-]{1,128}")

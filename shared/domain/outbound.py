"""The body of POST /v1/emails and POST /v1/emails/preview, parsed and checked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.domain import validation
from shared.errors import FieldError, require_valid

TRANSPORTS = ("ses", "smtp")
MAX_SCHEDULE_AHEAD = timedelta(days=365)
# Refused for every kind of mail: the address is known bad or the recipient complained.
SUPPRESSED_DELIVERY = frozenset({"invalid_address", "error", "spam"})
FIELDS = (
    "contact_id", "cc", "bcc", "subject", "body_text", "body_html", "track_opens", "track_clicks",
    "send_at", "transport", "in_reply_to",
)


@dataclass(frozen=True)
class EmailRequest:
    contact_id: str
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


def _boolean(body: dict[str, Any], name: str, errors: list[FieldError]) -> bool:
    value, error = validation.boolean(body.get(name, True))
    if error:
        errors.append(FieldError(name, error))
    return bool(value)


def _send_at(value: Any, now: datetime, errors: list[FieldError]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or "T" not in value:
        errors.append(FieldError("send_at", "must be an ISO 8601 time such as 2026-12-01T09:00:00+09:00"))
        return None
    moment, error = validation.timestamp(value)
    if error:
        errors.append(FieldError("send_at", error))
        return None
    when = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if when <= now:
        errors.append(FieldError("send_at", "is in the past; choose a time to come or null to send now", "past"))
    elif when - now > MAX_SCHEDULE_AHEAD:
        errors.append(FieldError("send_at", "must be at most a year ahead", "too_far"))
    return moment


def parse_request(body: Any, now: datetime) -> EmailRequest:
    """The checked request; raises ValidationFailed naming every wrong field. Subject, bodies
    and cc/bcc are checked when rendered (shared.domain.mail), where merge fields are known."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")], "The request body must be a JSON object.")
    errors = [FieldError(name, "is not an email field", "unknown_field") for name in body if name not in FIELDS]
    contact_id = body.get("contact_id")
    if not isinstance(contact_id, str) or not contact_id:
        errors.append(FieldError("contact_id", "is required: the id of the contact to write to", "required"))
    transport = body.get("transport", "ses")
    if transport not in TRANSPORTS:
        errors.append(FieldError("transport", f"must be one of {', '.join(TRANSPORTS)}"))
    in_reply_to = body.get("in_reply_to")
    if in_reply_to is not None and (not isinstance(in_reply_to, str) or not in_reply_to):
        errors.append(FieldError("in_reply_to", "must be the id of an email, or null"))
    request = EmailRequest(
        contact_id=contact_id,
        cc=body.get("cc"),
        bcc=body.get("bcc"),
        subject=body.get("subject"),
        body_text=body.get("body_text"),
        body_html=body.get("body_html"),
        track_opens=_boolean(body, "track_opens", errors),
        track_clicks=_boolean(body, "track_clicks", errors),
        send_at=_send_at(body.get("send_at"), now, errors),
        transport=transport,
        in_reply_to=in_reply_to,
    )
    require_valid(errors)
    return request

"""Open and click notifications (seed 004: 通知設定): one per email and kind, for its sender. Pure."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from shared.domain import fields, validation
from shared.domain.formatting import format_value
from shared.errors import FieldError, require_valid

if TYPE_CHECKING:
    from shared.domain.entities import Email

KINDS = ("email_opened", "email_clicked")
RETENTION_DAYS = 90
# What happened to the email, as a Japanese sentence ends after メール「件名」, and in English.
_WORDS = {"email_opened": ("が開封されました", "was opened"),
          "email_clicked": ("のリンクがクリックされました", "had a link clicked")}


def notification_id(email_id: str, kind: str) -> str:
    return f"{email_id}-{kind}"


def parse_id(value: str) -> tuple[str, str] | None:
    """(email id, kind) of a notification id, or None when it cannot be one."""
    email_id, _, kind = value.rpartition("-")
    return (email_id, kind) if email_id and kind in KINDS else None


def new(email: Email, kind: str, at: str) -> dict[str, Any]:
    return {"id": notification_id(email["email_id"], kind), "kind": kind, "email_id": email["email_id"],
            "contact_id": email["contact_id"], "subject": email["subject"], "occurred_at": at}


def mail(notification: dict[str, Any], to: str) -> tuple[str, str]:
    """Subject and text of the notification email to the sender."""
    japanese, english = _WORDS[notification["kind"]]
    subject = f"【通知】メール「{notification['subject']}」{japanese}"
    when = format_value(notification["occurred_at"], "timestamp")  # Japan time, as people read it
    text = (f"{to} 様宛てのメール「{notification['subject']}」{japanese}（{when}）。\n"
            f"Your email \"{notification['subject']}\" to {to} {english} ({notification['occurred_at']}).\n")
    return subject, text


_READ_REQUIRED = "is required: true or false"


def _read(value: Any) -> validation.Result:
    return (value, None) if isinstance(value, bool) else (None, _READ_REQUIRED)


_READ = fields.Field(_read, {"type": "boolean"}, "`true` marks the notification read, `false` unread.", nullable=False)
NOTIFICATION_UPDATE = fields.Body("NotificationUpdate", "notification", {"read": _READ}, required=("read",),
                                  example={"read": True})


def parse_read(body: Any) -> bool:
    """The body of PATCH /v1/me/notifications/{id} (NOTIFICATION_UPDATE): {"read": true|false}; a
    body that is no object is told it lacks `read`, and any wrong `read` is told required."""
    if not isinstance(body, dict):
        require_valid([FieldError("read", _READ_REQUIRED, "required")], "The request body must be a JSON object.")
    errors = NOTIFICATION_UPDATE.unknown(body)
    read, error = _READ(body.get("read"))
    if error:
        errors.append(FieldError("read", error, "required"))
    require_valid(errors)
    return cast(bool, read)  # a bool: require_valid raised otherwise


def expires_at_epoch(at: str) -> int:
    return int((datetime.fromisoformat(at.replace("Z", "+00:00")) + timedelta(days=RETENTION_DAYS)).timestamp())

"""A user's open and click notifications (GET /v1/me/notifications), and the notification email
the bulk worker sends for each (from NOTIFY_FROM to the email's sender)."""

from __future__ import annotations

from typing import Any, cast

from shared import cursor
from shared.config import CONFIG
from shared.db import emails as email_store
from shared.db import notifications as repository
from shared.domain import listing
from shared.domain import notifications as notification_rules
from shared.domain.access import Principal
from shared.errors import FieldError, NotFound, require_valid
from shared.observability import logger
from shared.services import delivery


def _not_found(notification_id: str) -> NotFound:
    return NotFound(f"You have no notification with id {notification_id}.")


def list_notifications(principal: Principal, params: dict[str, str]) -> dict[str, Any]:
    unread = params.get("unread", "false")
    if unread not in ("true", "false"):
        require_valid([FieldError("unread", "must be true or false")])
    limit = listing.parse_limit(params.get("limit"))
    fingerprint = cursor.fingerprint({"notifications": [principal.user_id, unread]})
    start = cursor.decode(CONFIG.cursor_secret, principal.tenant, fingerprint, params["cursor"]) \
        if params.get("cursor") else None
    if start is not None and not isinstance(start, dict):
        raise listing.bad_cursor()
    items, last = repository.page(principal.tenant, principal.user_id, unread == "true", limit, start)
    return {"items": items, "unread_count": len(repository.unread_ids(principal.tenant, principal.user_id)),
            "next_cursor": cursor.encode(CONFIG.cursor_secret, principal.tenant, fingerprint, last) if last else None}


def mark(principal: Principal, notification_id: str, body: Any) -> dict[str, Any]:
    read = notification_rules.parse_read(body)
    if notification_rules.parse_id(notification_id) is None or \
            not repository.set_read(principal.tenant, principal.user_id, notification_id, read):
        raise _not_found(notification_id)
    return cast(dict[str, Any], repository.get(principal.tenant, principal.user_id, notification_id))  # set just above


def mark_all_read(principal: Principal) -> None:
    for notification_id in repository.unread_ids(principal.tenant, principal.user_id):
        repository.set_read(principal.tenant, principal.user_id, notification_id, True)


def send_mail(tenant: str, user_id: str, notification_id: str) -> None:
    """Mail one notification to the email's sender. At most once per queue delivery; a message
    delivered twice may mail twice, which a notification can afford (the list shows it once)."""
    notification = repository.get(tenant, user_id, notification_id)
    email = email_store.get(tenant, notification["email_id"]) if notification else None
    if email is None or not CONFIG.notify_from:
        logger.info("notification not mailed", extra={"notification_id": notification_id})
        return
    subject, text = notification_rules.mail(cast(dict[str, Any], notification), email["to"])  # found: email is not None
    delivery.notice(email["sender_email"], subject, text, f"notify-{notification_id}")

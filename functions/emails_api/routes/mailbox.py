"""Routes of /v1/me: the caller's own SMTP server (and its connection test), their IMAP mailbox's
sync, and their open and click notifications."""

from typing import Any

from shared.domain import validation
from shared.http import Request, Response, Router, json_response, no_content
from shared.services import mailboxes, notifications

router = Router()


@router.put("/v1/me/mailbox")
def put_mailbox(request: Request) -> dict[str, Any]:
    return mailboxes.put(request.principal, request.json())


@router.post("/v1/me/mailbox/test")
def check_mailbox(request: Request) -> dict[str, Any]:
    return mailboxes.check_connection(request.principal, request.json())


@router.post("/v1/me/mailbox/sync")
def sync_mailbox(request: Request) -> Response:
    validation.no_fields(request.optional_json())
    return json_response(202, mailboxes.sync_now(request.principal))


@router.get("/v1/me/mailbox")
def get_mailbox(request: Request) -> dict[str, Any]:
    return mailboxes.get(request.principal)


@router.delete("/v1/me/mailbox")
def delete_mailbox(request: Request) -> Response:
    mailboxes.delete(request.principal)
    return no_content()


@router.get("/v1/me/notifications")
def list_notifications(request: Request) -> dict[str, Any]:
    return notifications.list_notifications(request.principal, request.query)


@router.patch("/v1/me/notifications/{id}")
def mark_notification(request: Request, id: str) -> dict[str, Any]:
    return notifications.mark(request.principal, id, request.json())


@router.post("/v1/me/notifications/read-all")
def mark_all_notifications_read(request: Request) -> Response:
    validation.no_fields(request.optional_json())
    notifications.mark_all_read(request.principal)
    return no_content()

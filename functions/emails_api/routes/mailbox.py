"""Routes of /v1/me/mailbox: the caller's own SMTP server."""

from shared.http import Request, Router, no_content
from shared.services import mailboxes

router = Router()


@router.put("/v1/me/mailbox")
def put_mailbox(request: Request):
    return mailboxes.put(request.principal, request.json())


@router.get("/v1/me/mailbox")
def get_mailbox(request: Request):
    return mailboxes.get(request.principal)


@router.delete("/v1/me/mailbox")
def delete_mailbox(request: Request):
    mailboxes.delete(request.principal)
    return no_content()

"""Routes of /v1/emails."""

from shared.http import Request, Router
from shared.services import emails

router = Router()


@router.post("/v1/emails/preview")
def preview_email(request: Request):
    return emails.preview(request.principal, request.json())

"""Routes of /v1/emails."""

from typing import Any

from shared.domain import validation
from shared.http import Request, Response, Router, created, json_response, no_content
from shared.services import emails

router = Router()


@router.post("/v1/emails")
def send_email(request: Request) -> Response:
    return created(emails.send(request.principal, request.json()))


@router.post("/v1/emails/preview")
def preview_email(request: Request) -> dict[str, Any]:
    return emails.preview(request.principal, request.json())


# Email to a selection brings search, segments and bulk jobs with it: imported by its two routes
# only, so that every other route's cold start does not pay for them.
@router.post("/v1/emails/bulk")
def send_bulk_email(request: Request) -> Response:
    from shared.services import bulk_emails

    return json_response(202, bulk_emails.submit(request.principal, request.json()))


@router.post("/v1/emails/bulk/preview")
def preview_bulk_email(request: Request) -> dict[str, Any]:
    from shared.services import bulk_emails

    return bulk_emails.preview(request.principal, request.json())


@router.get("/v1/emails")
def list_emails(request: Request) -> dict[str, Any]:
    return emails.list_folder(request.principal, request.query)


@router.get("/v1/emails/{id}")
def get_email(request: Request, id: str) -> dict[str, Any]:
    return emails.get(request.principal, id)


@router.get("/v1/emails/{id}/thread")
def get_thread(request: Request, id: str) -> dict[str, Any]:
    return emails.thread(request.principal, id, request.query)


@router.post("/v1/emails/{id}/duplicate")
def duplicate_email(request: Request, id: str) -> dict[str, Any]:
    validation.no_fields(request.optional_json())
    return emails.duplicate(request.principal, id)


@router.patch("/v1/emails/{id}")
def reschedule_email(request: Request, id: str) -> dict[str, Any]:
    return emails.reschedule(request.principal, id, request.json())


@router.delete("/v1/emails/{id}")
def cancel_email(request: Request, id: str) -> Response:
    emails.cancel(request.principal, id)
    return no_content()

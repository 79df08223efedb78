"""POST /v1/contacts/search and POST /v1/contacts/bulk."""

from typing import Any

from shared.http import Request, Response, Router, json_response
from shared.services import bulk, search

router = Router()


@router.post("/v1/contacts/search")
def search_contacts(request: Request) -> dict[str, Any]:
    return search.search_contacts(request.principal, request.json())


@router.post("/v1/contacts/bulk")
def bulk_action(request: Request) -> Response:
    status, body = bulk.submit(request.principal, request.json())
    return json_response(status, body)

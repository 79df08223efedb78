"""POST /v1/contacts/search and POST /v1/contacts/bulk."""

from shared.http import Request, Router, json_response
from shared.services import bulk, search

router = Router()


@router.post("/v1/contacts/search")
def search_contacts(request: Request):
    return search.search_contacts(request.principal, request.json())


@router.post("/v1/contacts/bulk")
def bulk_action(request: Request):
    status, body = bulk.submit(request.principal, request.json())
    return json_response(status, body)

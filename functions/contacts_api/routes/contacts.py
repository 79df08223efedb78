"""Routes of /v1/contacts."""

from typing import Any

from shared.http import Request, Response, Router, created, no_content
from shared.services import contacts, history

router = Router()


@router.get("/v1/contacts")
def list_contacts(request: Request) -> dict[str, Any]:
    return contacts.list_contacts(request.principal, request.query, request.query.get("cursor"))


@router.post("/v1/contacts")
def create_contact(request: Request) -> Response:
    return created(contacts.create(request.principal, request.json()))


@router.post("/v1/contacts/lookup")
def lookup_contacts(request: Request) -> dict[str, Any]:
    return contacts.lookup(request.principal, request.json())


@router.get("/v1/contacts/{id}")
def get_contact(request: Request, id: str) -> dict[str, Any]:
    return contacts.get(request.claimed, id)  # checks the member in the contact's own read


@router.patch("/v1/contacts/{id}")
def update_contact(request: Request, id: str) -> dict[str, Any]:
    return contacts.update(request.principal, id, request.json())


@router.delete("/v1/contacts/{id}")
def delete_contact(request: Request, id: str) -> Response:
    contacts.delete(request.principal, id)
    return no_content()


@router.get("/v1/contacts/{id}/history")
def get_history(request: Request, id: str) -> dict[str, Any]:
    return history.contact_history(request.principal, id, request.query)

"""Routes of /v1/contacts."""

from shared.http import Request, Router, created, no_content
from shared.services import contacts, history

router = Router()


@router.get("/v1/contacts")
def list_contacts(request: Request):
    return contacts.list_contacts(request.principal, request.query, request.query.get("cursor"))


@router.post("/v1/contacts")
def create_contact(request: Request):
    return created(contacts.create(request.principal, request.json()))


@router.post("/v1/contacts/lookup")
def lookup_contacts(request: Request):
    return contacts.lookup(request.principal, request.json())


@router.get("/v1/contacts/{id}")
def get_contact(request: Request, id: str):
    return contacts.get(request.claimed, id)  # checks the member in the contact's own read


@router.patch("/v1/contacts/{id}")
def update_contact(request: Request, id: str):
    return contacts.update(request.principal, id, request.json())


@router.delete("/v1/contacts/{id}")
def delete_contact(request: Request, id: str):
    contacts.delete(request.principal, id)
    return no_content()


@router.get("/v1/contacts/{id}/history")
def get_history(request: Request, id: str):
    return history.contact_history(request.principal, id, request.query)

"""Routes of /v1/contacts."""

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from shared import http
from shared.services import contacts

router = APIGatewayHttpRouter()


@router.get("/v1/contacts")
def list_contacts():
    params = http.query_params(router)
    return contacts.list_contacts(http.principal(router), params, params.get("cursor"))


@router.post("/v1/contacts")
def create_contact():
    return http.created(contacts.create(http.principal(router), http.json_body(router)))


@router.post("/v1/contacts/lookup")
def lookup_contacts():
    return contacts.lookup(http.principal(router), http.json_body(router))


@router.get("/v1/contacts/<contact_id>")
def get_contact(contact_id: str):
    return contacts.get(http.principal(router), contact_id)


@router.patch("/v1/contacts/<contact_id>")
def update_contact(contact_id: str):
    return contacts.update(http.principal(router), contact_id, http.json_body(router))


@router.delete("/v1/contacts/<contact_id>")
def delete_contact(contact_id: str):
    contacts.delete(http.principal(router), contact_id)
    return http.no_content()

"""Routes of /v1/companies (Digima's 会社 view) and a company's contacts."""

from typing import Any

from shared.http import Request, Response, Router, created, no_content
from shared.services import companies

router = Router()


@router.get("/v1/companies")
def list_companies(request: Request) -> dict[str, Any]:
    return companies.list_companies(request.principal, request.query)


@router.post("/v1/companies")
def create_company(request: Request) -> Response:
    return created(companies.create(request.principal, request.json()))


@router.get("/v1/companies/{id}")
def get_company(request: Request, id: str) -> dict[str, Any]:
    return companies.get(request.principal, id)


@router.patch("/v1/companies/{id}")
def update_company(request: Request, id: str) -> dict[str, Any]:
    return companies.update(request.principal, id, request.json())


@router.delete("/v1/companies/{id}")
def delete_company(request: Request, id: str) -> Response:
    companies.delete(request.principal, id)
    return no_content()


@router.get("/v1/companies/{id}/contacts")
def company_contacts(request: Request, id: str) -> dict[str, Any]:
    return companies.contacts(request.principal, id, request.query)

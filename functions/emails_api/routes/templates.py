"""Routes of /v1/email-templates (seed 004: テンプレートとして保存)."""

from typing import Any

from shared.http import Request, Response, Router, created, no_content
from shared.services import templates

router = Router()


@router.get("/v1/email-templates")
def list_templates(request: Request) -> dict[str, Any]:
    return templates.list_templates(request.principal)


@router.post("/v1/email-templates")
def create_template(request: Request) -> Response:
    return created(templates.create(request.principal, request.json()))


@router.get("/v1/email-templates/{id}")
def get_template(request: Request, id: str) -> dict[str, Any]:
    return templates.get(request.principal, id)


@router.put("/v1/email-templates/{id}")
def replace_template(request: Request, id: str) -> dict[str, Any]:
    return templates.replace(request.principal, id, request.json())


@router.delete("/v1/email-templates/{id}")
def delete_template(request: Request, id: str) -> Response:
    templates.delete(request.principal, id)
    return no_content()

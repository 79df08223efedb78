"""Routes of /v1/properties, /v1/tags and /v1/settings."""

from typing import Any

from shared.http import Request, Response, Router, created, json_response, no_content
from shared.services import tenant

router = Router()


@router.get("/v1/properties")
def list_properties(request: Request) -> dict[str, Any]:
    return tenant.list_properties(request.principal)


@router.post("/v1/properties")
def create_property(request: Request) -> Response:
    return created(tenant.create_property(request.principal, request.json()))


@router.patch("/v1/properties/{key}")
def update_property(request: Request, key: str) -> dict[str, Any]:
    return tenant.update_property(request.principal, key, request.json())


@router.get("/v1/tags")
def list_tags(request: Request) -> dict[str, Any]:
    return tenant.list_tags(request.principal)


@router.post("/v1/tags")
def create_tag(request: Request) -> Response:
    return created(tenant.create_tag(request.principal, request.json()))


@router.delete("/v1/tags/{name}")
def delete_tag(request: Request, name: str) -> Response:
    job = tenant.delete_tag(request.principal, name)
    return no_content() if job is None else json_response(202, job)


@router.get("/v1/settings")
def get_settings(request: Request) -> dict[str, Any]:
    return tenant.get_settings(request.principal)


@router.put("/v1/settings")
def put_settings(request: Request) -> dict[str, Any]:
    return tenant.put_settings(request.principal, request.json())

"""Routes of /v1/api-keys (owner and admin only)."""

from typing import Any

from shared.http import Request, Response, Router, created, no_content
from shared.services import api_keys

router = Router()


@router.post("/v1/api-keys")
def create_api_key(request: Request) -> Response:
    return created(api_keys.create(request.principal, request.json()))


@router.get("/v1/api-keys")
def list_api_keys(request: Request) -> dict[str, Any]:
    return api_keys.list_keys(request.principal)


@router.delete("/v1/api-keys/{id}")
def delete_api_key(request: Request, id: str) -> Response:
    api_keys.delete(request.principal, id)
    return no_content()

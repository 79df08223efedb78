"""Routes of /v1/site-keys: the public keys of web collection, with their allowed origins (owner
and admin only)."""

from typing import Any

from shared.http import Request, Response, Router, created, no_content
from shared.services import site_keys

router = Router()


@router.post("/v1/site-keys")
def create_site_key(request: Request) -> Response:
    return created(site_keys.create(request.principal, request.json()))


@router.get("/v1/site-keys")
def list_site_keys(request: Request) -> dict[str, Any]:
    return site_keys.list_keys(request.principal)


@router.patch("/v1/site-keys/{key}")
def update_site_key(request: Request, key: str) -> dict[str, Any]:
    return site_keys.update(request.principal, key, request.json())


@router.delete("/v1/site-keys/{key}")
def delete_site_key(request: Request, key: str) -> Response:
    site_keys.delete(request.principal, key)
    return no_content()

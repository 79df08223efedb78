"""Routes of /v1/site-keys: the public keys of web collection, with their allowed origins (owner
and admin only)."""

from shared.http import Request, Router, created, no_content
from shared.services import web

router = Router()


@router.post("/v1/site-keys")
def create_site_key(request: Request):
    return created(web.create_site_key(request.principal, request.json()))


@router.get("/v1/site-keys")
def list_site_keys(request: Request):
    return web.list_site_keys(request.principal)


@router.patch("/v1/site-keys/{key}")
def update_site_key(request: Request, key: str):
    return web.update_site_key(request.principal, key, request.json())


@router.delete("/v1/site-keys/{key}")
def delete_site_key(request: Request, key: str):
    web.delete_site_key(request.principal, key)
    return no_content()

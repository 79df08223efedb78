"""Routes of /v1/members and /v1/me (the member directory)."""

from typing import Any

from shared.http import Request, Response, Router, created, no_content
from shared.services import members

router = Router()


@router.get("/v1/members")
def list_members(request: Request) -> dict[str, Any]:
    return members.list_members(request.principal, request.query)


@router.post("/v1/members")
def invite_member(request: Request) -> Response:
    return created(members.invite(request.principal, request.json()))


@router.patch("/v1/members/{id}")
def change_member(request: Request, id: str) -> dict[str, Any]:
    return members.change(request.principal, id, request.json())


@router.delete("/v1/members/{id}")
def remove_member(request: Request, id: str) -> Response:
    members.remove(request.principal, id)
    return no_content()


@router.get("/v1/me")
def get_me(request: Request) -> dict[str, Any]:
    return members.me(request.claimed)  # checks the member in the same read as the tenant's name

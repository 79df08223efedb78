"""Routes of /v1/member-groups (Connected One's 会員グループ), their members and their logins, and
the member site's sign-in."""

from typing import Any

from shared.http import Request, Response, Router, created, json_response, no_content
from shared.services import groups, member_logins

router = Router()


@router.get("/v1/member-groups")
def list_groups(request: Request) -> dict[str, Any]:
    return groups.list_groups(request.principal, request.query)


@router.post("/v1/member-groups")
def create_group(request: Request) -> Response:
    return created(groups.create(request.principal, request.json()))


@router.get("/v1/member-groups/{id}")
def get_group(request: Request, id: str) -> dict[str, Any]:
    return groups.get(request.principal, id)


@router.patch("/v1/member-groups/{id}")
def update_group(request: Request, id: str) -> dict[str, Any]:
    return groups.update(request.principal, id, request.json())


@router.delete("/v1/member-groups/{id}")
def delete_group(request: Request, id: str) -> Response:
    job = groups.delete(request.principal, id)
    return no_content() if job is None else json_response(202, job)


@router.get("/v1/member-groups/{id}/members")
def group_members(request: Request, id: str) -> dict[str, Any]:
    return groups.members(request.principal, id, request.query)


@router.post("/v1/member-groups/{id}/members")
def add_group_members(request: Request, id: str) -> Response:
    status, answer = groups.add_members(request.principal, id, request.json())
    return json_response(status, answer)


@router.delete("/v1/member-groups/{id}/members/{contact_id}")
def remove_group_member(request: Request, id: str, contact_id: str) -> Response:
    groups.remove_member(request.principal, id, contact_id)
    return no_content()


@router.post("/v1/member-groups/{id}/members/{contact_id}/invite")
def invite_group_member(request: Request, id: str, contact_id: str) -> dict[str, Any]:
    return member_logins.invite(request.principal, id, contact_id, request.optional_json())


@router.post("/v1/member-groups/{id}/members/{contact_id}/password-reset")
def reset_group_member_password(request: Request, id: str, contact_id: str) -> dict[str, Any]:
    return member_logins.reset_password(request.principal, id, contact_id, request.optional_json())


# The tenant's member site: no CRM token (a member has none); the tenant is the path's.

@router.post("/member-site/{tenant}/sign-in")
def member_sign_in(request: Request, tenant: str) -> dict[str, Any]:
    return member_logins.sign_in(tenant, request.json())


@router.post("/member-site/{tenant}/new-password")
def member_new_password(request: Request, tenant: str) -> dict[str, Any]:
    return member_logins.set_password(tenant, request.json())

"""Routes of /v1/properties, /v1/tags and /v1/settings."""

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from shared import http
from shared.services import tenant

router = APIGatewayHttpRouter()


@router.get("/v1/properties")
def list_properties():
    return tenant.list_properties(http.principal(router))


@router.post("/v1/properties")
def create_property():
    return http.created(tenant.create_property(http.principal(router), http.json_body(router)))


@router.patch("/v1/properties/<key>")
def update_property(key: str):
    return tenant.update_property(http.principal(router), key, http.json_body(router))


@router.get("/v1/tags")
def list_tags():
    return tenant.list_tags(http.principal(router))


@router.post("/v1/tags")
def create_tag():
    return http.created(tenant.create_tag(http.principal(router), http.json_body(router)))


@router.delete("/v1/tags/<name>")
def delete_tag(name: str):
    tenant.delete_tag(http.principal(router), name)
    return http.no_content()


@router.get("/v1/settings")
def get_settings():
    return tenant.get_settings(http.principal(router))


@router.put("/v1/settings")
def put_settings():
    return tenant.put_settings(http.principal(router), http.json_body(router))

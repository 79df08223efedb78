"""The HTTP edge shared by API functions: the resolver, the caller, request bodies, and the
one place where domain errors become HTTP responses."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from shared import keys
from shared.domain.access import ROLES, Principal
from shared.errors import BadRequest, CrmError, PayloadTooLarge, Unauthorized
from shared.observability import logger

MAX_BODY_BYTES = 5 * 1024 * 1024
JSON = "application/json; charset=utf-8"


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def error_response(status: int, code: str, message: str, details: list[dict[str, str]] | None = None) -> Response:
    body = {"error": {"code": code, "message": message, "details": details or []}}
    return Response(status_code=status, content_type=JSON, body=to_json(body))


def new_resolver() -> APIGatewayHttpResolver:
    """A resolver whose JSON keeps Japanese text readable and whose errors follow the contract."""
    app = APIGatewayHttpResolver(serializer=to_json)

    @app.exception_handler(CrmError)
    def _domain_error(error: CrmError) -> Response:
        return error_response(error.status, error.code, error.message, [detail.as_dict() for detail in error.details])

    @app.not_found
    def _no_route(_: Exception) -> Response:
        return error_response(404, "not_found", "There is no such endpoint; see /openapi.json.")

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        logger.exception("Unhandled error", extra={"route": app.current_event.route_key})
        return error_response(500, "internal_error", "Something went wrong on our side; retry, then contact support.")

    return app


def principal(router: APIGatewayHttpRouter) -> Principal:
    """The caller from the JWT claims API Gateway verified: the tenant comes from here only."""
    authorizer = router.current_event.request_context.authorizer
    claims = (authorizer.jwt_claim if authorizer else None) or {}
    tenant, role, user_id = claims.get("custom:tenant_id"), claims.get("custom:role"), claims.get("sub")
    if not tenant or not user_id or not keys.is_plain_id(tenant):
        raise Unauthorized("Sign in again: the token carries no valid tenant or user.")
    if role not in ROLES:
        raise Unauthorized("Sign in again: the token carries no known role.")
    return Principal(tenant=tenant, user_id=user_id, role=role, email=claims.get("email"), name=claims.get("name"))


def json_body(router: APIGatewayHttpRouter) -> Any:
    """The request body parsed as JSON; an empty, oversized or malformed body is a 4xx."""
    raw = router.current_event.decoded_body or ""
    if len(raw.encode()) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB.")
    if not raw.strip():
        raise BadRequest("The request needs a JSON body.")
    try:
        return json.loads(raw)
    except ValueError:
        raise BadRequest("The request body is not valid JSON.") from None


def query_params(router: APIGatewayHttpRouter) -> dict[str, str]:
    return dict(router.current_event.query_string_parameters or {})


def created(body: Any) -> Response:
    return Response(status_code=201, content_type=JSON, body=to_json(body))


def no_content() -> Response:
    return Response(status_code=204, body="")

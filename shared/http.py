"""The HTTP edge of the API functions: routing on API Gateway's route key, the caller from
the JWT claims, request bodies, and the one place where domain errors become responses.

API Gateway (and the local stack) has already matched the route and hands over `routeKey`
("GET /v1/contacts/{id}") and `pathParameters`, so dispatch is one dict lookup. A router of
our own instead of Powertools' event handler keeps cold starts cheap: importing that package
pulls in asyncio, AppSync and OpenAPI modules, about half the cost of importing boto3.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from importlib import import_module
from typing import Any, cast

from shared import keys
from shared.domain import json_text
from shared.domain.access import ROLES, Principal
from shared.errors import BadRequest, Busy, CrmError, NotFound, Unauthorized, body_too_large, still_throttled
from shared.language import localised, prefers_japanese, quality
from shared.observability import count, for_tenant, logger

MAX_BODY_BYTES = 5 * 1024 * 1024
JSON = "application/json; charset=utf-8"

# The HTTP API has no CORS configuration of its own: with one, API Gateway would drop the CORS
# headers of every answer, /collect's per-site-key origin included
# (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html). So the
# functions answer CORS: for the console's origin (CONFIG.console_origin) only, its preflights
# through the template's token-free `OPTIONS /{proxy+}` route.
CORS_PREFLIGHT_ROUTE = "OPTIONS /{proxy+}"
_CONSOLE_PREFLIGHT = {
    "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE",
    "Access-Control-Allow-Headers": "authorization, content-type",
    "Access-Control-Max-Age": "600",
}


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass
class Response:
    status: int
    body: str = ""
    content_type: str | None = JSON
    headers: dict[str, str] = field(default_factory=dict)

    def as_proxy_result(self) -> dict[str, Any]:
        headers = dict(self.headers)
        if self.content_type and self.body:
            headers["Content-Type"] = self.content_type
        return {"statusCode": self.status, "headers": headers, "body": self.body, "isBase64Encoded": False}


def json_response(status: int, body: Any) -> Response:
    return Response(status, to_json(body))


def created(body: Any) -> Response:
    return json_response(201, body)


def no_content() -> Response:
    return Response(204, content_type=None)


def error_response(status: int, code: str, message: str, details: list[dict[str, str]] | None = None) -> Response:
    return json_response(status, {"error": {"code": code, "message": message, "details": details or []}})


@dataclass(frozen=True)
class Request:
    """What a route needs from an API Gateway HTTP API (payload 2.0) event."""

    event: dict[str, Any]

    @property
    def query(self) -> dict[str, str]:
        """The query parameters; one that is not text (a lone UTF-16 surrogate) is a 400."""
        query = dict(self.event.get("queryStringParameters") or {})
        if not all(json_text.is_text(name) and json_text.is_text(value) for name, value in query.items()):
            raise BadRequest("The query string is not valid UTF-8 text.")
        return query

    @property
    def claims(self) -> dict[str, Any]:
        authorizer = self.event.get("requestContext", {}).get("authorizer") or {}
        return (authorizer.get("jwt") or {}).get("claims") or {}

    @property
    def claimed(self) -> Principal:
        """The caller as the JWT claims API Gateway verified say: the tenant comes from here only.
        Not yet checked against the member directory (`principal` is)."""
        claims = self.claims
        tenant, role, user_id = claims.get("custom:tenant_id"), claims.get("custom:role"), claims.get("sub")
        if not tenant or not user_id or not keys.is_plain_id(tenant):
            raise Unauthorized("Sign in again: the token carries no valid tenant or user.")
        if role not in ROLES:
            raise Unauthorized("Sign in again: the token carries no known role.")
        for_tenant(tenant)
        return Principal(tenant=tenant, user_id=user_id, role=role, email=claims.get("email"), name=claims.get("name"))

    @cached_property
    def principal(self) -> Principal:
        """The caller as the member directory knows them, read once per request: 401 for a removed
        or disabled member, and the directory's role, not the token's (perhaps stale) claim."""
        from shared.services import members  # not at import: this module is used without the functions' environment

        return members.checked(self.claimed)

    @property
    def headers(self) -> dict[str, str]:
        """Request headers by lower-case name (API Gateway's payload 2.0 already lower-cases them)."""
        return {name.lower(): value for name, value in (self.event.get("headers") or {}).items()}

    @property
    def source_ip(self) -> str:
        """The client's address as API Gateway saw the connection (not a header a client sets)."""
        return cast(str, self.event["requestContext"]["http"]["sourceIp"])

    @property
    def japanese(self) -> bool:
        """Whether the caller's Accept-Language prefers Japanese: the errors' words are then Japanese."""
        return prefers_japanese(self.headers.get("accept-language"))

    def accepts(self, media_type: str) -> bool:
        """Whether the Accept header names `media_type` itself (not only through */*) with a q above 0."""
        for entry in self.headers.get("accept", "").split(","):
            name, *parameters = (part.strip().lower() for part in entry.split(";"))
            if name == media_type and all(quality(parameter) > 0 for parameter in parameters):
                return True
        return False

    def optional_json(self) -> Any:
        """The body as `json()` reads it, or `{}` for a request sent without one."""
        return self.json() if self.event.get("body") else {}

    def json(self, max_bytes: int = MAX_BODY_BYTES) -> Any:
        """The body parsed as JSON; an empty, oversized, malformed or too deeply nested body, or
        one holding a string that is not text, is a 4xx."""
        raw = self.event.get("body") or ""
        data = base64.b64decode(raw) if self.event.get("isBase64Encoded") else raw.encode("utf-8", "surrogatepass")
        if len(data) > max_bytes:
            raise body_too_large(max_bytes)
        if not data.strip():
            raise BadRequest("The request needs a JSON body.")
        try:
            return json_text.loads(data)
        except json_text.UnreadableJson as unreadable:
            raise BadRequest(f"The request body {unreadable}.") from None


Route = Callable[..., Any]


class Router:
    """The routes of one resource module, keyed like API Gateway's route keys."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}

    def route(self, method: str, path: str) -> Callable[[Route], Route]:
        def register(function: Route) -> Route:
            self.routes[f"{method} {path}"] = function
            return function

        return register

    def get(self, path: str) -> Callable[[Route], Route]:
        return self.route("GET", path)

    def post(self, path: str) -> Callable[[Route], Route]:
        return self.route("POST", path)

    def put(self, path: str) -> Callable[[Route], Route]:
        return self.route("PUT", path)

    def patch(self, path: str) -> Callable[[Route], Route]:
        return self.route("PATCH", path)

    def delete(self, path: str) -> Callable[[Route], Route]:
        return self.route("DELETE", path)


@dataclass(frozen=True)
class RouteModules:
    """A function's route modules, each imported on the first request it serves: a cold start
    imports only the module (and the domain) of its first request, not every resource's.
    `owners` maps a path prefix to the module of `package` whose router serves the paths under it;
    the longest prefix owns a path ("/v1/contacts/{id}/timeline" before "/v1/contacts").
    tests/test_http_router.py checks that each module's routes are owned by that module."""

    package: str
    owners: dict[str, str]

    def module_of(self, route_key: str) -> str | None:
        path = route_key.partition(" ")[2]
        prefixes = [prefix for prefix in self.owners if path == prefix or path.startswith(f"{prefix}/")]
        return f"{self.package}.{self.owners[max(prefixes, key=len)]}" if prefixes else None

    def routes_of(self, route_key: str) -> dict[str, Route]:
        module = self.module_of(route_key)
        return {} if module is None else cast(Router, import_module(module).router).routes


class App:
    """Dispatch an event to its route: `route(request, **path_parameters)` returns a JSON-able
    value (200) or a Response; a CrmError becomes the contract's error body. The routes are the
    `routers`' and, imported on first use, the `modules`'."""

    def __init__(self, *routers: Router, modules: RouteModules | None = None) -> None:
        self.routes: dict[str, Route] = {CORS_PREFLIGHT_ROUTE: _preflight}
        for router in routers:
            self.routes.update(router.routes)
        self.modules = modules

    def route(self, route_key: str) -> Route | None:
        if route_key not in self.routes and self.modules is not None:
            self.routes.update(self.modules.routes_of(route_key))
        return self.routes.get(route_key)

    def resolve(self, event: dict[str, Any]) -> dict[str, Any]:
        route = self.route(event.get("routeKey", ""))
        try:
            if route is None:
                raise _NoSuchRoute()
            result = route(Request(event), **(event.get("pathParameters") or {}))
            response = result if isinstance(result, Response) else json_response(200, result)
        except _NoSuchRoute:  # the template's catch-all route ($default) brings every unknown method and path
            http = event.get("requestContext", {}).get("http") or {}
            response = _answer(NotFound(f"No endpoint answers {http.get('method', '')} "
                                        f"{event.get('rawPath', '')}; see /openapi.json."), event)
        except CrmError as error:
            response = _answer(error, event)
        except Exception as error:
            if still_throttled(error):  # the store stayed throttled through botocore's retries
                logger.warning("Store throttled", extra={"route": event.get("routeKey")})
                response = _answer(Busy("The store is busy right now; retry in a moment."), event)
            else:
                logger.exception("Unhandled error", extra={"route": event.get("routeKey")})
                response = _answer(CrmError("Something went wrong on our side; retry, then contact support."), event)
        if response.status == Busy.status:  # the store or a queue stayed busy: the client was told to retry
            count("BusyAnswers")
        _allow_console(event, response)
        return response.as_proxy_result()


def _preflight(request: Request, proxy: str) -> Response:
    """A browser's CORS preflight of any path: its CORS headers come from `_allow_console`."""
    return Response(204, content_type=None)


def _allow_console(event: dict[str, Any], response: Response) -> None:
    """Let the console's origin read the answer (and, for a preflight, send its request); an
    answer that sets its own CORS headers (POST /collect: its site key's origins) keeps them.
    Only a browser's request carries an Origin."""
    origin = Request(event).headers.get("origin")
    if origin is None or "Access-Control-Allow-Origin" in response.headers:
        return
    from shared.config import CONFIG  # not at import: this module is used without the functions' environment

    if not CONFIG.console_origin:
        return
    response.headers["Vary"] = "Origin"
    if origin != CONFIG.console_origin:
        return
    response.headers["Access-Control-Allow-Origin"] = origin
    if event.get("routeKey") == CORS_PREFLIGHT_ROUTE:
        response.headers.update(_CONSOLE_PREFLIGHT)
    else:
        response.headers["Access-Control-Expose-Headers"] = "retry-after"


def _answer(error: CrmError, event: dict[str, Any]) -> Response:
    """The contract's error body and status of a domain error, with its headers (Retry-After);
    its messages in Japanese when the request's Accept-Language prefers it (codes and fields as they are)."""
    japanese = Request(event).japanese
    details = [{**detail.as_dict(), "message": localised(detail.message, japanese)} for detail in error.details]
    response = error_response(error.status, error.code, localised(error.message, japanese), details)
    response.headers.update(error.headers)
    return response


class _NoSuchRoute(Exception):
    pass

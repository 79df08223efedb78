"""The local HTTP API: every route of template.yaml, served by its handler as API Gateway would.

``LocalApi`` is the WSGI app (route matching, the JWT authorizer, the Lambda proxy event
and response), ``ApiServer`` serves it on a threaded werkzeug server, and ``LocalStack``
puts the AWS emulation and the API together for ``crm-local serve`` and the tests.
"""

from __future__ import annotations

import base64
import functools
import importlib
import json
import logging
import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from werkzeug.datastructures import Headers
from werkzeug.serving import WSGIRequestHandler
from werkzeug.wrappers import Request, Response

from infra.local.apigw import ACCOUNT_ID, build_http_api_event, match_route
from infra.local.authorizer import InvalidTokenError, JwtAuthorizer
from infra.local.console import api_prefixes, console_response
from infra.local.iam_record import running
from infra.local.moto_stack import SNAPSHOT_INTERVAL_SECONDS, AwsEmulation
from infra.local.queues import LocalQueues
from infra.local.scheduler import LocalScheduler
from infra.local.wsgi import BackgroundServer
from infra.template import Route, catch_all_route, function_handler, http_routes, load_template

log = logging.getLogger("crm-local")

DEFAULT_PORT = 3000
# The limits AWS puts on a request through an HTTP API to a Lambda function:
# https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html (10 MB payload,
# 30 s integration timeout) and https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
# (6 MB synchronous response).
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
MAX_RESPONSE_BYTES = 6 * 1024 * 1024
INTEGRATION_TIMEOUT_SECONDS = 30.0
INTEGRATION_TIMEOUT_VARIABLE = "CRM_LOCAL_INTEGRATION_TIMEOUT"  # seconds; shorter in tests

Handler = Callable[[dict[str, Any], Any], Any]
HandlerResolver = Callable[[str], Handler]
LocalHandler = Callable[[Request], Response]


@dataclass(frozen=True)
class LocalEndpoint:
    """A local-only endpoint: never deployed, no auth, handled in-process on the werkzeug request."""

    method: str
    path: str
    handle: LocalHandler


LOCAL_ENDPOINTS: list[LocalEndpoint] = []


def local_endpoint(method: str, path: str) -> Callable[[LocalHandler], LocalHandler]:
    """Register the decorated function as ``METHOD /_local/...``.

    The module that defines it must be imported before the stack serves.
    """
    if not path.startswith("/_local/"):
        raise ValueError(f"local endpoints live under /_local/, not {path!r}")

    def register(handle: LocalHandler) -> LocalHandler:
        LOCAL_ENDPOINTS.append(LocalEndpoint(method.upper(), path, handle))
        return handle

    return register


@functools.cache
def import_handler(dotted: str) -> Handler:
    """The handler named like the template's ``Handler`` (module.attribute), imported on first use."""
    module_name, _, attribute = dotted.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def handler_environment(data_dir: Path) -> None:
    """Set what the functions read from their environment in AWS, unless already set.

    Handlers read their configuration once at import, so this runs before any is imported.
    """
    os.environ.setdefault("TABLE_NAME", "crm-local")
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "crm")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Crm")
    region = os.environ.get("AWS_REGION", "ap-northeast-1")
    for name, value in {
        "SES_CONFIGURATION_SET": "crm-local",
        "MAILBOX_SECRET_PREFIX": "crm-local/mailbox",
        # SMTP mailboxes on this machine (a mail catcher, a test server) are allowed locally only
        "ALLOW_PRIVATE_SMTP_HOSTS": "true",
        "SCHEDULE_GROUP": "crm-local-emails",
        "SCHEDULER_ROLE_ARN": f"arn:aws:iam::{ACCOUNT_ID}:role/crm-local-scheduler",
        "SCHEDULED_SEND_ARN": f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:ScheduledSendFunction",
        "INBOUND_BUCKET": "crm-inbound-local",
        "INBOUND_DOMAIN": "inbound.localhost",
        "BULK_QUEUE_URL": f"https://sqs.{region}.amazonaws.com/{ACCOUNT_ID}/crm-local-bulk",
        "EXPORT_QUEUE_URL": f"https://sqs.{region}.amazonaws.com/{ACCOUNT_ID}/crm-local-export",
        "FILES_BUCKET": "crm-local-files",
        "NOTIFY_FROM": "CRM <noreply@crm.localhost>",
    }.items():
        os.environ.setdefault(name, value)
    from infra.local import sns  # the local SNS certificate, trusted by the mail events function

    for name, value in sns.configure(data_dir, region).items():
        os.environ.setdefault(name, value)


@dataclass
class LambdaContext:
    """The parts of the Lambda context object that handlers and Powertools use."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    started: float = field(default_factory=time.monotonic)

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/[$LATEST]{self.aws_request_id.replace('-', '')}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.started + self.timeout_seconds - time.monotonic()) * 1000))


@functools.cache
def _function_settings(function: str) -> tuple[int, int]:
    """(memory MB, timeout s) of a function in the template, falling back to Globals and Lambda's defaults."""
    template = load_template()
    defaults = template.get("Globals", {}).get("Function", {})
    props = template["Resources"].get(function, {}).get("Properties", {})
    return int(props.get("MemorySize", defaults.get("MemorySize", 128))), int(
        props.get("Timeout", defaults.get("Timeout", 3))
    )


def _lambda_context(function: str) -> LambdaContext:
    memory, timeout = _function_settings(function)
    region = os.environ.get("AWS_REGION", "ap-northeast-1")
    return LambdaContext(
        function_name=function,
        memory_limit_in_mb=memory,
        invoked_function_arn=f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{function}",
        timeout_seconds=timeout,
    )


def invoke(route: Route, event: dict[str, Any], resolve_handler: HandlerResolver = import_handler) -> Any:
    """Run the route's handler on an API Gateway event as Lambda would, with a context object;
    what API Gateway gets back (a result over Lambda's response limit is a failed invocation)."""
    with running(route.function):
        return _within_response_limit(route, resolve_handler(route.handler)(event, _lambda_context(route.function)))


FAILED_INVOCATION = {"statusCode": 500, "headers": {"Content-Type": "application/json"},
                     "body": json.dumps({"message": "Internal Server Error"})}


def _within_response_limit(route: Route, result: Any) -> Any:
    """The result, or API Gateway's 500 for a failed invocation when Lambda could not return it:
    a response over 6 MB as the runtime serialises it (python3.11's marshaller escapes non-ASCII,
    https://github.com/aws/aws-lambda-python-runtime-interface-client/blob/main/awslambdaric/lambda_runtime_marshaller.py)."""
    try:
        size = len(json.dumps(result))
    except (TypeError, ValueError):
        log.error("%s returned a result Lambda cannot serialise", route.function)
        return FAILED_INVOCATION
    if size > MAX_RESPONSE_BYTES:
        log.error("%s returned %d bytes; Lambda returns at most %d", route.function, size, MAX_RESPONSE_BYTES)
        return FAILED_INVOCATION
    return result


def invoke_function(function: str, event: dict[str, Any], resolve_handler: HandlerResolver = import_handler) -> Any:
    """Run a function of the template (by logical id) on an event, as a trigger would."""
    with running(function):
        return resolve_handler(function_handler(function))(event, _lambda_context(function))


def template_routes() -> list[Route]:
    """The template's routes, its catch-all (`$default`) among them."""
    catch_all = catch_all_route()
    return [*http_routes(), *([catch_all] if catch_all else [])]


def routed(routes: Sequence[Route], method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The route API Gateway invokes for METHOD PATH with its path parameters: the best match,
    else the catch-all route (`$default`, no parameters). LookupError when there is neither:
    API Gateway would answer 404 itself."""
    matched = match_route([route for route in routes if not route.catch_all], method, path)
    if matched is not None:
        return matched
    catch_all = next((route for route in routes if route.catch_all), None)
    if catch_all is None:
        raise LookupError(f"no route for {method} {path}")
    return catch_all, {}


def call_handler(
    method: str,
    path: str,
    claims: Mapping[str, Any] | None,
    body: str | None = None,
    query: str | Mapping[str, Any] = "",
    headers: Mapping[str, str] | None = None,
    source_ip: str = "127.0.0.1",
) -> Any:
    """Send a request straight to its handler, as API Gateway would after the authorizer
    accepted `claims`: for tests and benchmarks, which need no HTTP server."""
    return invoke(*api_event(method, path, claims, body, query, headers, source_ip))


def api_event(
    method: str,
    path: str,
    claims: Mapping[str, Any] | None,
    body: str | None = None,
    query: str | Mapping[str, Any] = "",
    headers: Mapping[str, str] | None = None,
    source_ip: str = "127.0.0.1",
) -> tuple[Route, dict[str, Any]]:
    """The route a request reaches and the event API Gateway hands its function (call_handler's)."""
    route, path_parameters = routed(template_routes(), method, path)
    event = build_http_api_event(
        method, path, route.route_key, path_parameters, query, {"content-type": "application/json", **(headers or {})},
        body, claims, source_ip,
    )
    return route, event


class LocalApi:
    """WSGI app doing what API Gateway does in front of the functions.

    Each function runs one invocation at a time, like a single Lambda instance: handlers
    keep per-invocation state in module globals (Powertools' resolver event, logger keys,
    metrics), which concurrent requests on the threaded server would otherwise mix up.
    """

    def __init__(
        self,
        routes: Sequence[Route] | None = None,
        resolve_handler: HandlerResolver = import_handler,
        local_endpoints: Iterable[LocalEndpoint] = LOCAL_ENDPOINTS,
        integration_timeout: float | None = None,
        authorizer: JwtAuthorizer | None = None,
    ) -> None:
        # the JWT authorizer of the pool the environment names, made on the first token to check
        self._authorizer = authorizer
        self._integration_timeout = integration_timeout or float(
            os.environ.get(INTEGRATION_TIMEOUT_VARIABLE) or INTEGRATION_TIMEOUT_SECONDS)
        self._routes = list(template_routes() if routes is None else routes)
        self._api_prefixes = api_prefixes(route.path for route in self._routes)
        self._resolve_handler = resolve_handler
        self._local_endpoints = local_endpoints
        self._instances = {route.function: threading.Lock() for route in self._routes}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        started = time.perf_counter()
        try:
            response = self._respond(request)
        except Exception:
            log.exception("%s %s failed", request.method, request.path)
            response = _json_response(500, {"message": "Internal Server Error"})
        log.info(
            "%s %s %d %.0fms",
            request.method,
            request.path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response(environ, start_response)

    def _respond(self, request: Request) -> Response:
        raw_path = _raw_path(request)
        local = match_route(self._local_endpoints, request.method, raw_path)
        if local is not None:
            return local[0].handle(request)
        if request.method in ("GET", "HEAD") and raw_path.split("/")[1] not in self._api_prefixes:
            return console_response(request)
        try:
            route, path_parameters = routed(self._routes, request.method, raw_path)
        except LookupError:  # no catch-all route: API Gateway's own answer
            return _json_response(404, {"message": "Not Found"})
        body = _body_within_limit(request)
        if body is None:
            return _json_response(413, {"message": "Request Entity Too Large"})
        claims = None
        if route.authorized:
            token = _bearer_token(request)
            if not token:
                return _unauthorized()
            try:
                claims = self._verified_claims(token)
            except InvalidTokenError as exc:
                log.info("%s %s: the bearer token was refused: %s", request.method, request.path, exc)
                return _unauthorized(str(exc))
        event = build_http_api_event(
            request.method,
            raw_path,
            route.route_key,
            path_parameters,
            request.query_string.decode("utf-8", "replace"),
            [*request.headers.items(), *_forwarding_headers(request)],
            body,
            claims,
            request.remote_addr or "127.0.0.1",
        )
        return self._invoke_within_timeout(route, event)

    def _verified_claims(self, token: str) -> dict[str, Any]:
        if self._authorizer is None:
            self._authorizer = JwtAuthorizer.from_environment()
        if self._authorizer is None:
            raise InvalidTokenError("the stack has no user pool (USER_POOL_ID, USER_POOL_CLIENT_ID)")
        return self._authorizer.claims(token)

    def _invoke_within_timeout(self, route: Route, event: dict[str, Any]) -> Response:
        """The handler's response, or API Gateway's 503 once the integration timeout passes from
        the invocation's start; the invocation itself goes on to its end, as in Lambda."""
        started, finished = threading.Event(), threading.Event()
        outcome: dict[str, Any] = {}

        def run() -> None:
            with self._instances[route.function]:
                started.set()
                try:
                    outcome["result"] = invoke(route, event, self._resolve_handler)
                except BaseException as error:  # raised again on the request's thread
                    outcome["error"] = error
                finally:
                    finished.set()

        threading.Thread(target=run, name=f"invoke-{route.function}", daemon=True).start()
        started.wait()
        if not finished.wait(self._integration_timeout):
            log.error("%s did not answer within the %g s integration timeout", route.function,
                      self._integration_timeout)
            return _json_response(503, {"message": "Service Unavailable"})
        if "error" in outcome:
            raise outcome["error"]
        return _proxy_response(outcome["result"])


def _body_within_limit(request: Request) -> bytes | None:
    """The request body, or None when it is over API Gateway's limit, whether a Content-Length
    announces it or not (a chunked body has none)."""
    if (request.content_length or 0) > MAX_PAYLOAD_BYTES:
        return None
    stream, chunks, size = request.stream, [], 0
    while size <= MAX_PAYLOAD_BYTES:
        chunk = stream.read(min(1024 * 1024, MAX_PAYLOAD_BYTES + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return None if size > MAX_PAYLOAD_BYTES else b"".join(chunks)


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("Authorization", "").strip()
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else header  # API Gateway also takes a bare token


def _raw_path(request: Request) -> str:
    """The path as the client sent it, still percent-encoded: routes match on its segments."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    return raw.split("?", 1)[0] if raw else quote(request.path)


def _forwarding_headers(request: Request) -> list[tuple[str, str]]:
    """The headers API Gateway adds on the way to the function."""
    trace = f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"
    return [
        ("x-forwarded-for", request.remote_addr or "127.0.0.1"),
        ("x-forwarded-port", str(request.environ.get("SERVER_PORT", ""))),
        ("x-forwarded-proto", request.scheme),
        ("x-amzn-trace-id", trace),
    ]


def _proxy_response(result: Any) -> Response:
    """The HTTP response for a handler's result, by the payload format 2.0 rules.

    A dict with ``statusCode`` is a full response; anything else is a 200 JSON body
    (a string as is, other values serialized).
    """
    if not (isinstance(result, dict) and "statusCode" in result):
        body = result if isinstance(result, str) else json.dumps(result, ensure_ascii=False)
        return Response(body, 200, content_type="application/json")
    headers = Headers()
    for name, value in (result.get("headers") or {}).items():
        headers.add(name, str(value))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            headers.add(name, str(value))
    for cookie in result.get("cookies") or []:
        headers.add("Set-Cookie", cookie)
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    content_type = None if "content-type" in headers else "application/json"
    return Response(data, int(result["statusCode"]), headers, content_type=content_type)


def _json_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status, headers, content_type="application/json")


def _unauthorized(reason: str | None = None) -> Response:
    """API Gateway's answer when its JWT authorizer refuses a request: 401 {"message":"Unauthorized"},
    saying why in the www-authenticate header
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-jwt.html)."""
    challenge = "Bearer" if reason is None \
        else f'Bearer scope="" error="invalid_token" error_description="{_quoted(reason)}"'
    return _json_response(401, {"message": "Unauthorized"}, {"www-authenticate": challenge})


def _quoted(text: str) -> str:
    """TEXT fit for a quoted header parameter: printable ASCII, without quotes or backslashes."""
    return "".join(char if " " <= char <= "~" and char not in '"\\' else "?" for char in text)


class _QuietRequestHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """LocalApi logs each request itself, with its duration."""


class ApiServer(BackgroundServer):
    """The local API on HOST:PORT (port 0: a free one)."""

    def __init__(self, app: Callable[..., Any], port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> None:
        super().__init__(app, port, host, request_handler=_QuietRequestHandler, name="api")


class LocalStack:
    """AWS emulation plus the API in front of the handlers; stops in reverse order."""

    def __init__(
        self,
        data_dir: Path,
        port: int = DEFAULT_PORT,
        routes: Sequence[Route] | None = None,
        resolve_handler: HandlerResolver = import_handler,
        snapshot_interval: float = SNAPSHOT_INTERVAL_SECONDS,
    ) -> None:
        self.data_dir = Path(data_dir)
        self._port = port
        self._routes = routes
        self._resolve_handler = resolve_handler
        self._snapshot_interval = snapshot_interval
        self.aws: AwsEmulation | None = None
        self.server: ApiServer | None = None
        self.scheduler: LocalScheduler | None = None
        self.queues: LocalQueues | None = None

    @property
    def url(self) -> str:
        assert self.server is not None, "start() the stack first"
        return self.server.url

    def start(self) -> LocalStack:
        handler_environment(self.data_dir)
        self.aws = AwsEmulation(self.data_dir, os.environ["TABLE_NAME"], self._snapshot_interval)
        self.aws.start()
        try:
            app = LocalApi(self._routes, self._resolve_handler)
            self.server = ApiServer(app, self._port)
            os.environ.setdefault("TRACKING_BASE_URL", self.server.url)
            os.environ.setdefault("API_BASE_URL", self.server.url)
            # The outbox listens to the real delivery code and the scheduler runs the real
            # functions; both read the handlers' configuration, so only with the real handlers.
            with_real_handlers = self._resolve_handler is import_handler
            if with_real_handlers:
                from infra.local import inbound, outbox  # noqa: F401 - GET /_local/outbox, POST /_local/inbound
            self.server.start()
            if with_real_handlers:
                def run(function: str, event: dict[str, Any]) -> Any:
                    return invoke_function(function, event, self._resolve_handler)

                self.scheduler = LocalScheduler(run, os.environ["SCHEDULE_GROUP"])
                self.scheduler.start()
                self.queues = LocalQueues(run)
                self.queues.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop serving, write the final snapshot, stop the AWS emulation."""
        try:
            if self.queues is not None:
                self.queues.stop()
            if self.scheduler is not None:
                self.scheduler.stop()
            if self.server is not None:
                self.server.stop()
        finally:
            if self.aws is not None:
                self.aws.stop()
            self.server = self.aws = self.scheduler = self.queues = None

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

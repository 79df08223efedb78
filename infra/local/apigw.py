"""What API Gateway (HTTP API, Lambda proxy payload format 2.0) does around a handler.

Pure functions: route matching with API Gateway's precedence, and the event a Lambda
receives. Tests use ``build_http_api_event`` to drive handlers without a server.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qsl, unquote, urlencode

ACCOUNT_ID = "123456789012"
API_ID = "local"
DEFAULT_DOMAIN = "127.0.0.1"


class RouteLike(Protocol):
    method: str  # an HTTP method or ANY
    path: str  # path template, e.g. /v1/contacts/{id} or /files/{proxy+}


R = TypeVar("R", bound=RouteLike)

_LITERAL, _PARAMETER, _GREEDY = 0, 1, 2  # segment kinds, in order of precedence


def match_route(routes: Iterable[R], method: str, path: str) -> tuple[R, dict[str, str]] | None:
    """The route API Gateway would pick for METHOD and raw PATH, with its decoded path parameters.

    ``{name}`` matches one non-empty segment, ``{name+}`` the (non-empty) rest of the path.
    The most specific route wins: at the first segment where candidates differ a literal
    beats a parameter, which beats a greedy parameter; an exact method beats ``ANY``.
    """
    segments = path.split("/")[1:]
    best: tuple[tuple[int, ...], R, dict[str, str]] | None = None
    for route in routes:
        if route.method not in (method, "ANY"):
            continue
        matched = _match_template(route.path, segments)
        if matched is None:
            continue
        kinds, parameters = matched
        rank = (*kinds, route.method == "ANY")
        if best is None or rank < best[0]:
            best = (rank, route, parameters)
    return None if best is None else (best[1], best[2])


def _match_template(template: str, segments: Sequence[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
    kinds: list[int] = []
    parameters: dict[str, str] = {}
    parts = template.split("/")[1:]
    for index, part in enumerate(parts):
        if part.startswith("{") and part.endswith("+}"):
            rest = segments[index:]
            if not rest or not rest[0]:
                return None
            parameters[part[1:-2]] = unquote("/".join(rest))
            return (*kinds, _GREEDY), parameters
        if index >= len(segments):
            return None
        if part.startswith("{") and part.endswith("}"):
            if not segments[index]:
                return None
            parameters[part[1:-1]] = unquote(segments[index])
            kinds.append(_PARAMETER)
        elif unquote(segments[index]) == part:
            kinds.append(_LITERAL)
        else:
            return None
    if len(parts) != len(segments):
        return None
    return tuple(kinds), parameters


def build_http_api_event(
    method: str,
    raw_path: str,
    route_key: str,
    path_parameters: Mapping[str, str] | None = None,
    query_string: str | Mapping[str, Any] = "",
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    body_bytes: bytes | str | None = None,
    claims: Mapping[str, Any] | None = None,
    source_ip: str = "127.0.0.1",
    *,
    request_id: str | None = None,
    time_epoch_ms: int | None = None,
) -> dict[str, Any]:
    """The payload format 2.0 event API Gateway sends for this request.

    ``raw_path`` is the path as requested; like HTTP APIs in AWS (unlike REST APIs and
    function URLs) the event carries it percent-decoded, while ``rawQueryString`` stays
    as sent. ``headers`` may repeat a name (as pairs); ``query_string`` is the raw query
    (or a mapping, URL-encoded for convenience). ``claims`` are the verified JWT claims
    of an authorized route; like API Gateway, the event carries every value as a string.
    """
    method = method.upper()
    path = unquote(raw_path)
    if not isinstance(query_string, str):
        query_string = urlencode(query_string, doseq=True)
    header_map = _join_headers(headers or {})
    cookie_header = header_map.pop("cookie", None)
    if time_epoch_ms is None:
        time_epoch_ms = int(time.time() * 1000)
    domain_name = header_map.get("host", DEFAULT_DOMAIN).split(":")[0]

    request_context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": domain_name,
        "domainPrefix": domain_name.split(".")[0],
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": header_map.get("user-agent", ""),
        },
        "requestId": request_id or base64.b64encode(os.urandom(10)).decode("ascii"),
        "routeKey": route_key,
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(time_epoch_ms / 1000)),
        "timeEpoch": time_epoch_ms,
    }
    if claims is not None:
        request_context["authorizer"] = {
            "jwt": {"claims": {name: _claim_string(value) for name, value in claims.items()}, "scopes": None}
        }

    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query_string,
    }
    if cookie_header:
        event["cookies"] = [cookie.strip() for cookie in cookie_header.split(";") if cookie.strip()]
    event["headers"] = header_map
    query_parameters = _join_query(query_string)
    if query_parameters:
        event["queryStringParameters"] = query_parameters
    event["requestContext"] = request_context
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    event["isBase64Encoded"] = False
    if body_bytes:
        body = body_bytes.encode("utf-8") if isinstance(body_bytes, str) else body_bytes
        try:
            event["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


def _join_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """Lower-cased names; a repeated header becomes one comma-joined value (cookies with '; ')."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    joined: dict[str, str] = {}
    for name, value in pairs:
        name = name.lower()
        if name in joined:
            joined[name] += ("; " if name == "cookie" else ",") + value
        else:
            joined[name] = value
    return joined


def _join_query(query_string: str) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined


def _claim_string(value: Any) -> str:
    """A claim value as the JWT authorizer passes it: numbers and booleans as text, arrays as "[a b]"."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(_claim_string(item) for item in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)

"""The web console at `/`, as CloudFront serves it in AWS (template.yaml's console distribution):
files of console/dist, any other path without an extension answered with index.html (the
single-page app's routes), the API's own paths left to the API; the same security headers.

Only the API's path prefixes (the first segment of each route of template.yaml, and /_local/)
reach the functions: a browser asking for /contacts/123 gets the console, not the API's 404.
"""

from __future__ import annotations

import functools
import mimetypes
import os
import re
from collections.abc import Iterable
from pathlib import Path

from werkzeug.wrappers import Request, Response

from infra.local import REPO_ROOT
from infra.template import load_template

CONSOLE_DIST = REPO_ROOT / "console" / "dist"
IMMUTABLE = "public, max-age=31536000, immutable"  # content-hashed files under /assets/
REVALIDATE = "no-cache"  # index.html names the current assets: always checked
# an AWS host of the policy: https://cognito-idp.${AWS::Region}.amazonaws.com, https://${FilesBucket.DomainName}
_AWS_HOST = re.compile(r"https://[^\s;]*\$\{[^}]+\}[^\s;]*")


def api_prefixes(route_paths: Iterable[str]) -> frozenset[str]:
    """The first path segments that belong to the API (`v1`, `auth`, `t`…), plus `_local`."""
    first = {path.split("/")[1] for path in route_paths if path.startswith("/") and not path.startswith("/{")}
    return frozenset(first | {"_local"})


def console_file(path: str, dist: Path = CONSOLE_DIST) -> Path | None:
    """The file of the console that answers PATH: the file itself, else index.html for a path
    without an extension (a route of the app); None for a missing file."""
    relative = path.lstrip("/")
    if relative == "" or "." not in relative.rsplit("/", 1)[-1]:
        return dist / "index.html"
    candidate = (dist / relative).resolve()
    if not candidate.is_relative_to(dist.resolve()) or not candidate.is_file():
        return None
    return candidate


@functools.cache
def security_headers(aws_endpoint: str) -> dict[str, str]:
    """The console's response headers policy of template.yaml (ConsoleResponseHeadersPolicy), with
    the AWS hosts it names (Cognito, the files bucket) being this stack's emulation."""
    config = load_template()["Resources"]["ConsoleResponseHeadersPolicy"]["Properties"][
        "ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    policy = config["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    policy = policy["Fn::Sub"] if isinstance(policy, dict) else policy
    hosts = " ".join(dict.fromkeys(_AWS_HOST.sub(aws_endpoint.rstrip("/"), host) for host in _AWS_HOST.findall(policy)))
    policy = _AWS_HOST.sub("", policy).replace("connect-src 'self'", f"connect-src 'self' {hosts}".rstrip())
    return {
        "Content-Security-Policy": re.sub(r"\s+;", ";", " ".join(policy.split())),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": config["FrameOptions"]["FrameOption"],
        "Referrer-Policy": config["ReferrerPolicy"]["ReferrerPolicy"],
    }


def console_response(request: Request, dist: Path = CONSOLE_DIST) -> Response:
    """The console's answer to a GET or HEAD of REQUEST's path."""
    if not (dist / "index.html").is_file():
        return Response("The console is not built: run `make console` (make dev builds it).\n", 404,
                        content_type="text/plain; charset=utf-8")
    file = console_file(request.path, dist)
    if file is None:
        return Response("Not Found\n", 404, content_type="text/plain; charset=utf-8")
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type == "application/javascript":
        content_type += "; charset=utf-8"
    headers = {
        "Cache-Control": IMMUTABLE if file.parent.name == "assets" else REVALIDATE,
        **security_headers(os.environ.get("AWS_ENDPOINT_URL_COGNITO_IDP") or os.environ.get("AWS_ENDPOINT_URL", "")),
    }
    response = Response(file.read_bytes(), 200, headers, content_type=content_type)
    return response

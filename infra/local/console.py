"""The web console at `/`, as CloudFront serves it in AWS (template.yaml's console distribution):
files of console/dist, any other path without an extension answered with index.html (the
single-page app's routes), the API's own paths left to the API; the same security headers.

Only the API's path prefixes (the first segment of each route of template.yaml, and /_local/)
reach the functions: a browser asking for /contacts/123 gets the console, not the API's 404.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Iterable
from pathlib import Path

from werkzeug.wrappers import Request, Response

from infra.local import REPO_ROOT

CONSOLE_DIST = REPO_ROOT / "console" / "dist"
IMMUTABLE = "public, max-age=31536000, immutable"  # content-hashed files under /assets/
REVALIDATE = "no-cache"  # index.html names the current assets: always checked


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


def security_headers(cognito_endpoint: str) -> dict[str, str]:
    """The response headers policy of the console's distribution, with this stack's Cognito."""
    connect = " ".join(["'self'", cognito_endpoint.rstrip("/")]) if cognito_endpoint else "'self'"
    return {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src {connect}; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "strict-origin-when-cross-origin",
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

"""Tracking redirects: GET/HEAD /t/o/{token} answers the 1×1 GIF, /t/c/{token} a 302 to the
link's original URL. Lean on purpose (its cold start is budgeted): no HTTP router, no JSON
framework, no MIME modules, no Powertools (Lambda's own JSON log format instead). A forged
token answers 404 and never redirects."""

import base64
import json
from typing import Any

from shared.config import require
from shared.domain.tracking import KIND_CLICK, KIND_OPEN, PIXEL_GIF
from shared.errors import NotFound
from shared.language import localised, prefers_japanese
from shared.services.tracking import NotTracked, hit

# what this function refuses to start without (template.yaml sets each on it)
require("TABLE_NAME", "TRACKING_KEY_SECRET_ID", "BULK_QUEUE_URL")

_KINDS = {"/t/o/": KIND_OPEN, "/t/c/": KIND_CLICK}
# Neither browsers, proxies nor mail clients may reuse a hit, and the token must not leak to
# the destination in a Referer header.
_NO_STORE = {"Cache-Control": "no-store, no-cache, must-revalidate, private, max-age=0", "Pragma": "no-cache",
             "Expires": "0", "Referrer-Policy": "no-referrer"}
_PIXEL = base64.b64encode(PIXEL_GIF).decode("ascii")


_NOT_FOUND = NotFound("This tracking link is not valid; open the link from the original email.")


def _not_found(headers: dict[str, str]) -> dict[str, Any]:
    """The contract's 404, in Japanese for a browser that prefers it (the catalogue is read only then)."""
    message = localised(_NOT_FOUND.message, prefers_japanese(headers.get("accept-language")))
    body = json.dumps({"error": {"code": _NOT_FOUND.code, "message": message, "details": []}},
                      ensure_ascii=False, separators=(",", ":"))
    return {"statusCode": 404, "headers": {**_NO_STORE, "Content-Type": "application/json; charset=utf-8"},
            "body": body, "isBase64Encoded": False}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    kind = _KINDS.get(event.get("routeKey", "").partition(" ")[2][:5])
    token = (event.get("pathParameters") or {}).get("token") or ""
    http = event.get("requestContext", {}).get("http", {})
    headers = event.get("headers") or {}
    if kind is None:
        return _not_found(headers)
    try:
        url = hit(kind, token, http.get("method", "GET"), headers.get("user-agent"), http.get("sourceIp"))
    except NotTracked:
        return _not_found(headers)
    if kind == KIND_CLICK:
        return {"statusCode": 302, "headers": {**_NO_STORE, "Location": url}, "body": "", "isBase64Encoded": False}
    return {"statusCode": 200, "headers": {**_NO_STORE, "Content-Type": "image/gif"}, "body": _PIXEL,
            "isBase64Encoded": True}

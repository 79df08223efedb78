"""Tracking redirects: GET/HEAD /t/o/{token} answers the 1×1 GIF, /t/c/{token} a 302 to the
link's original URL; /t/u/{token} is the one-click unsubscribe of mail to a selection (RFC 8058:
a POST with the body `List-Unsubscribe=One-Click` opts the contact out; a GET only shows a page
whose button makes that POST, since link scanners follow GETs). Lean on purpose (its cold start is
budgeted): no HTTP router, no JSON framework, no MIME modules, no Powertools (Lambda's own JSON log
format instead). A forged token answers 404 and never redirects."""

import base64
import json
import re
from typing import Any

from shared.config import require
from shared.domain.tracking import KIND_CLICK, KIND_OPEN, KIND_UNSUBSCRIBE, PIXEL_GIF
from shared.errors import BadRequest, CrmError, NotFound, PayloadTooLarge, body_too_large
from shared.language import localised, prefers_japanese
from shared.services.tracking import NotTracked, hit, unsubscribe

# what this function refuses to start without (template.yaml sets each on it)
require("TABLE_NAME", "TRACKING_KEY_SECRET_ID", "BULK_QUEUE_URL")

_KINDS = {"/t/o/": KIND_OPEN, "/t/c/": KIND_CLICK, "/t/u/": KIND_UNSUBSCRIBE}
# Neither browsers, proxies nor mail clients may reuse a hit, and the token must not leak to
# the destination in a Referer header.
_NO_STORE = {"Cache-Control": "no-store, no-cache, must-revalidate, private, max-age=0", "Pragma": "no-cache",
             "Expires": "0", "Referrer-Policy": "no-referrer"}
_PIXEL = base64.b64encode(PIXEL_GIF).decode("ascii")


_NOT_FOUND = NotFound("This tracking link is not valid; open the link from the original email.")


_NOT_ONE_CLICK = BadRequest("An unsubscribe must be posted with the body List-Unsubscribe=One-Click.")


def _refused(headers: dict[str, str], error: CrmError = _NOT_FOUND) -> dict[str, Any]:
    """The contract's 404 (or another refusal), in Japanese for a browser that prefers it (the
    catalogue is read only then)."""
    message = localised(error.message, prefers_japanese(headers.get("accept-language")))
    body = json.dumps({"error": {"code": error.code, "message": message, "details": []}},
                      ensure_ascii=False, separators=(",", ":"))
    return {"statusCode": error.status, "headers": {**_NO_STORE, "Content-Type": "application/json; charset=utf-8"},
            "body": body, "isBase64Encoded": False}


# RFC 8058 §3.1: the POST's body holds the key/value pair "List-Unsubscribe=One-Click", sent as
# application/x-www-form-urlencoded or multipart/form-data (https://www.rfc-editor.org/rfc/rfc8058#section-3.1).
_ONE_CLICK_FORM = re.compile(r"(?:^|&)List-Unsubscribe=One-Click(?:&|$)")
_ONE_CLICK_PART = re.compile(r'name="?List-Unsubscribe"?\r?\n(?:[^\r\n]+\r?\n)*\r?\nOne-Click\r?\n')
_PAGES = {
    "ja": {"title": "配信停止", "ask": "今後、このメールアドレスへのお知らせメールの配信を停止しますか?",
           "button": "配信を停止する", "done": "配信を停止しました。今後お知らせメールはお送りしません。"},
    "en": {"title": "Unsubscribe", "ask": "Stop marketing email to this address?",
           "button": "Unsubscribe", "done": "You are unsubscribed: no more marketing email will be sent to you."},
}


_MAX_FORM_BYTES = 4096  # the one-click form is a few dozen bytes; multipart adds a boundary and headers




def _one_click(event: dict[str, Any]) -> bool:
    """Whether the body is RFC 8058's one-click form (PayloadTooLarge beyond a small form's size)."""
    body = event.get("body") or ""
    data = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8", "surrogatepass")
    if len(data) > _MAX_FORM_BYTES:
        raise body_too_large(_MAX_FORM_BYTES)
    text = data.decode("utf-8", "replace").strip()
    return bool(_ONE_CLICK_FORM.search(text) or _ONE_CLICK_PART.search(text))


def _page(headers: dict[str, str], done: bool) -> dict[str, Any]:
    """The confirm page (a form that makes the one-click POST) or the page that says it is done."""
    language = "ja" if prefers_japanese(headers.get("accept-language")) or not headers.get("accept-language") else "en"
    words = _PAGES[language]
    content = f"<p>{words['done']}</p>" if done else (
        f'<p>{words["ask"]}</p><form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">'
        f'<button type="submit">{words["button"]}</button></form>')
    html = (f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{words["title"]}</title>'
            f'</head><body><main><h1>{words["title"]}</h1>{content}</main></body></html>')
    return {"statusCode": 200, "headers": {**_NO_STORE, "Content-Type": "text/html; charset=utf-8",
                                           "Content-Security-Policy": "default-src 'none'; form-action 'self'"},
            "body": html, "isBase64Encoded": False}


def _unsubscribe(event: dict[str, Any], method: str, headers: dict[str, str], token: str) -> dict[str, Any]:
    try:
        if method == "POST" and not _one_click(event):
            return _refused(headers, _NOT_ONE_CLICK)
    except PayloadTooLarge as refused:
        return _refused(headers, refused)
    try:
        unsubscribe(token, confirmed=method == "POST")
    except NotTracked:
        return _refused(headers)
    return _page(headers, done=method == "POST")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    kind = _KINDS.get(event.get("routeKey", "").partition(" ")[2][:5])
    token = (event.get("pathParameters") or {}).get("token") or ""
    http = event.get("requestContext", {}).get("http", {})
    headers = event.get("headers") or {}
    if kind is None:
        return _refused(headers)
    if kind == KIND_UNSUBSCRIBE:
        return _unsubscribe(event, http.get("method", "GET"), headers, token)
    try:
        url = hit(kind, token, http.get("method", "GET"), headers.get("user-agent"), http.get("sourceIp"))
    except NotTracked:
        return _refused(headers)
    if kind == KIND_CLICK:
        return {"statusCode": 302, "headers": {**_NO_STORE, "Location": url}, "body": "", "isBase64Encoded": False}
    return {"statusCode": 200, "headers": {**_NO_STORE, "Content-Type": "image/gif"}, "body": _PIXEL,
            "isBase64Encoded": True}

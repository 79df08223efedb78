"""Web collection: GET /collect.js (the snippet tenants paste into their sites) and POST /collect
(its hits: public, authenticated by the site key and the page's Origin)."""

from functools import cache
from pathlib import Path

from shared.domain.web import MAX_BODY_BYTES
from shared.http import Request, Response, Router, to_json
from shared.services import web

router = Router()


@cache
def _snippet() -> str:
    return (Path(__file__).resolve().parents[1] / "collect.js").read_text(encoding="utf-8")


@router.get("/collect.js")
def snippet(request: Request) -> Response:
    return Response(200, _snippet(), "application/javascript; charset=utf-8",
                    {"Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"})


@router.post("/collect")
def collect(request: Request) -> Response:
    """204 for a hit recorded, or ignored as a bot's; 200 `{"redirect_url"}` for a form that added
    its sender to a member group. The allowed origin may read the answer."""
    headers = request.headers
    joined = web.collect(request.json(MAX_BODY_BYTES), headers.get("origin"), headers.get("user-agent"),
                         request.source_ip)
    cors = {"Access-Control-Allow-Origin": headers["origin"], "Vary": "Origin"}
    if joined is None:
        return Response(204, content_type=None, headers=cors)
    return Response(200, to_json(joined), headers=cors)

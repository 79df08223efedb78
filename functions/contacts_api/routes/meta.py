"""Public routes: health, the sign-in configuration, the OpenAPI document and its Swagger UI."""

from importlib import resources

from shared.config import CONFIG
from shared.errors import NotFound
from shared.http import JSON, Request, Response, Router

router = Router()

# Swagger UI from the pinned swagger-ui-bundle package in the layer, served from this origin: the page
# works offline and runs no third-party script next to a signed-in user's token. Its own policy lets it
# load only from here (the initialiser is a file, not an inline script; the UI sets style attributes).
_SWAGGER_VERSION = "4.15.5"
_SWAGGER_ASSETS = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
}
_DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CRM API</title>
<link rel="stylesheet" href="docs/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script>
</body></html>"""
_DOCS_INIT = 'SwaggerUIBundle({url: "openapi.json", dom_id: "#ui"});'
_DOCS_POLICY = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}
_ASSET_CACHE = {"Cache-Control": "public, max-age=86400"}


@router.get("/health")
def health(request: Request) -> dict[str, str]:
    return {"status": "ok"}


@router.get("/auth/config")
def auth_config(request: Request) -> dict[str, str | None]:
    """What a client signs in to Cognito with: the stack's user pool and app client, and where Cognito
    answers (the emulation's URL locally; null in AWS, where it is the region's endpoint)."""
    return {"region": CONFIG.region, "user_pool_id": CONFIG.user_pool_id, "client_id": CONFIG.user_pool_client_id,
            "cognito_endpoint": CONFIG.cognito_endpoint}


@router.get("/openapi.json")
def openapi(request: Request) -> Response:
    document = resources.files("functions.contacts_api").joinpath("openapi.json").read_text(encoding="utf-8")
    return Response(200, document, JSON)


@router.get("/docs")
def docs(request: Request) -> Response:
    return Response(200, _DOCS_PAGE, "text/html; charset=utf-8", dict(_DOCS_POLICY))


@router.get("/docs/{asset}")
def docs_asset(request: Request, asset: str) -> Response:
    if asset == "init.js":
        return Response(200, _DOCS_INIT, _SWAGGER_ASSETS["swagger-ui-bundle.js"], {**_DOCS_POLICY, **_ASSET_CACHE})
    if asset not in _SWAGGER_ASSETS:
        raise NotFound(f"The API documentation has no file named {asset}.")
    vendored = resources.files("swagger_ui_bundle").joinpath("vendor", f"swagger-ui-{_SWAGGER_VERSION}", asset)
    return Response(200, vendored.read_text(encoding="utf-8"), _SWAGGER_ASSETS[asset], {**_DOCS_POLICY, **_ASSET_CACHE})

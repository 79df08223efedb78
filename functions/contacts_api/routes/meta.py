"""Public routes: health, the sign-in configuration, the OpenAPI document and its Swagger UI."""

from importlib import resources

from shared.config import CONFIG
from shared.http import JSON, Request, Response, Router

router = Router()

_SWAGGER_UI = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CRM API</title>
<link rel="stylesheet" href="https://unpkg.com/swagger-ui-dist@5/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="https://unpkg.com/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "openapi.json", dom_id: "#ui"});</script>
</body></html>"""


@router.get("/health")
def health(request: Request):
    return {"status": "ok"}


@router.get("/auth/config")
def auth_config(request: Request):
    """What a client signs in to Cognito with: the stack's user pool and app client, and where Cognito
    answers (the emulation's URL locally; null in AWS, where it is the region's endpoint)."""
    return {"region": CONFIG.region, "user_pool_id": CONFIG.user_pool_id, "client_id": CONFIG.user_pool_client_id,
            "cognito_endpoint": CONFIG.cognito_endpoint}


@router.get("/openapi.json")
def openapi(request: Request):
    document = resources.files("functions.contacts_api").joinpath("openapi.json").read_text(encoding="utf-8")
    return Response(200, document, JSON)


@router.get("/docs")
def docs(request: Request):
    return Response(200, _SWAGGER_UI, "text/html; charset=utf-8")

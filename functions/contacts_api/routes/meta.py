"""Public routes: health, the OpenAPI document and its Swagger UI."""

from importlib import resources

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

router = APIGatewayHttpRouter()

_SWAGGER_UI = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CRM API</title>
<link rel="stylesheet" href="https://unpkg.com/swagger-ui-dist@5/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="https://unpkg.com/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "openapi.json", dom_id: "#ui"});</script>
</body></html>"""


@router.get("/health")
def health():
    return {"status": "ok"}


@router.get("/openapi.json")
def openapi():
    document = resources.files("functions.contacts_api").joinpath("openapi.json").read_text(encoding="utf-8")
    return Response(status_code=200, content_type="application/json; charset=utf-8", body=document)


@router.get("/docs")
def docs():
    return Response(status_code=200, content_type="text/html; charset=utf-8", body=_SWAGGER_UI)

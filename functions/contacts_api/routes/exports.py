"""Routes of /v1/exports and /v1/imports."""

from typing import Any

from shared.http import Request, Response, Router, created, json_response
from shared.language import localised, preferred_language
from shared.services import exports, imports

router = Router()


@router.post("/v1/exports")
def create_export(request: Request) -> Response:
    # labels in a header row are Japanese unless the caller prefers English
    language = preferred_language(request.headers.get("accept-language"), default="ja")
    return json_response(202, exports.create(request.principal, request.json(), language))


@router.get("/v1/exports/{id}")
def get_export(request: Request, id: str) -> dict[str, Any]:
    return exports.get(request.principal, id)


@router.get("/v1/exports/{id}/download")
def download_export(request: Request, id: str) -> Response:
    return exports.download(request.principal, id, as_json=request.accepts("application/json"))


@router.post("/v1/imports")
def create_import(request: Request) -> Response:
    return created(imports.create(request.principal, request.optional_json()))


@router.post("/v1/imports/{id}/start")
def start_import(request: Request, id: str) -> Response:
    return json_response(202, imports.start(request.principal, id, request.json()))


@router.get("/v1/imports/{id}")
def get_import(request: Request, id: str) -> dict[str, Any]:
    """The import, each failed row's message in the caller's language (kept in English)."""
    found = imports.get(request.principal, id)
    return {**found, "errors": [{**error, "message": localised(error["message"], request.japanese)}
                                for error in found["errors"]]}


@router.get("/v1/imports/{id}/preview")
def preview_import(request: Request, id: str) -> dict[str, Any]:
    return imports.preview(request.principal, id)

"""Routes of /v1/segments (saved filters, evaluated live) and /v1/jobs."""

from typing import Any

from shared.http import Request, Response, Router, created, no_content
from shared.services import bulk, segments

router = Router()


@router.get("/v1/segments")
def list_segments(request: Request) -> dict[str, Any]:
    return segments.list_segments(request.principal)


@router.post("/v1/segments")
def create_segment(request: Request) -> Response:
    return created(segments.create(request.principal, request.json()))


@router.get("/v1/segments/{id}")
def get_segment(request: Request, id: str) -> dict[str, Any]:
    return segments.get(request.principal, id)


@router.put("/v1/segments/{id}")
def replace_segment(request: Request, id: str) -> dict[str, Any]:
    return segments.replace(request.principal, id, request.json())


@router.delete("/v1/segments/{id}")
def delete_segment(request: Request, id: str) -> Response:
    segments.delete(request.principal, id)
    return no_content()


@router.get("/v1/segments/{id}/contacts")
def segment_contacts(request: Request, id: str) -> dict[str, Any]:
    return segments.contacts(request.principal, id, request.query)


@router.get("/v1/jobs")
def list_jobs(request: Request) -> dict[str, Any]:
    return bulk.list_jobs(request.principal, request.query)


@router.get("/v1/jobs/{id}")
def get_job(request: Request, id: str) -> dict[str, Any]:
    return bulk.get_job(request.principal, id)

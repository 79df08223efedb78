"""Routes of a contact's timeline and the activities people log on it."""

from typing import Any

from shared.http import Request, Response, Router, created, no_content
from shared.services import timeline

router = Router()


@router.get("/v1/contacts/{id}/timeline")
def get_timeline(request: Request, id: str) -> dict[str, Any]:
    return timeline.timeline(request.principal, id, request.query)


@router.post("/v1/contacts/{id}/activities")
def create_activity(request: Request, id: str) -> Response:
    return created(timeline.create(request.principal, id, request.json()))


@router.post("/v1/contacts/{id}/calls")
def log_call(request: Request, id: str) -> Response:
    return created(timeline.log_call(request.principal, id, request.json()))


@router.patch("/v1/contacts/{id}/activities/{activity_id}")
def update_activity(request: Request, id: str, activity_id: str) -> dict[str, Any]:
    return timeline.update(request.principal, id, activity_id, request.json())


@router.delete("/v1/contacts/{id}/activities/{activity_id}")
def delete_activity(request: Request, id: str, activity_id: str) -> Response:
    timeline.delete(request.principal, id, activity_id)
    return no_content()

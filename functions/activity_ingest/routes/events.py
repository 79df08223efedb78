"""POST /v1/events: authenticated by the tenant's API key (X-Api-Key), not a user's JWT."""

from shared.http import Request, Response, Router, json_response
from shared.services import ingest

router = Router()


@router.post("/v1/events")
def ingest_events(request: Request) -> Response:
    return json_response(202, ingest.receive(request.headers.get("x-api-key"), request.json))
